"""Accounting mappings: which account, tax code, item, customer and vendor the books use.

Checked as a whole when saved, so posting never meets a hole: every role has an account
(clearing resolves for every channel), every code exists in the books' chart when the
connection lists it, templates only use placeholders their kind provides.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from hub.domain.errors import NotFound
from hub.domain.mappings import AccountRole, MappingRejected, PartyKind
from mapping.csv_formats import ChartRow

__all__ = [
    "PLACEHOLDERS",
    "ChartEntry",
    "PartyEntry",
    "TaxEntry",
    "chart_from_rows",
    "entry_problems",
    "resolve_account",
    "resolve_party",
    "resolve_tax_code",
    "validate_chart",
    "validate_party_rules",
    "validate_tax_codes",
]

R = AccountRole
# Roles that must have a default account; clearing may instead be set per channel, and
# the payout roles are asked for only by a payout that has such a line (it is held).
_OPTIONAL = {
    R.CLEARING,
    R.PAYOUT_RESERVE,
    R.PAYOUT_ADJUSTMENTS,
    R.INVENTORY_ADJUSTMENTS,
    R.LANDED_COSTS,
}
_NEED_DEFAULT = [r for r in AccountRole if r not in _OPTIONAL]

PLACEHOLDERS: dict[PartyKind, frozenset[str]] = {
    PartyKind.ITEM: frozenset({"sku", "name"}),
    PartyKind.CUSTOMER: frozenset({"channel", "email", "name"}),
    PartyKind.VENDOR: frozenset({"supplier", "name"}),
}


@dataclass(frozen=True)
class ChartEntry:
    role: AccountRole
    account_code: str
    scope: str = ""  # "", "channel:<name>" or "gateway:<name>"


@dataclass(frozen=True)
class TaxEntry:
    channel_tax: str
    tax_code: str
    inclusive: bool = False
    channel: str | None = None  # None: every channel


@dataclass(frozen=True)
class PartyEntry:
    kind: PartyKind
    target: str
    match: str = ""


def _scope_problem(entry: ChartEntry, channels: Collection[str]) -> str | None:
    if entry.scope == "":
        return None
    kind, _, name = entry.scope.partition(":")
    if kind == "channel" and name:
        return None if name in channels else f"role {entry.role}: unknown channel {name!r}"
    if kind == "gateway" and name:
        if entry.role is R.CLEARING:
            return None
        return f"role {entry.role}: only clearing accounts can be scoped to a gateway"
    return f"role {entry.role}: scope {entry.scope!r} must be '', 'channel:NAME' or 'gateway:NAME'"


def entry_problems(
    entry: ChartEntry, channels: Collection[str], known_accounts: Collection[str] | None
) -> list[str]:
    """What is wrong with one chart entry on its own (empty/unknown account, bad scope)."""
    problems = []
    if not entry.account_code.strip():
        problems.append(f"role {entry.role}: account code is empty")
    elif known_accounts is not None and entry.account_code not in known_accounts:
        problems.append(
            f"role {entry.role}: unknown account {entry.account_code!r} (not in the books)"
        )
    scope_problem = _scope_problem(entry, channels)
    if scope_problem:
        problems.append(scope_problem)
    return problems


def chart_from_rows(
    rows: Iterable[ChartRow], channels: Collection[str], known_accounts: Collection[str] | None
) -> tuple[list[ChartEntry], list[str]]:
    """Chart entries from CSV rows, and every row's problem prefixed by its row number."""
    entries: list[ChartEntry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        try:
            role = AccountRole(row.role)
        except ValueError:
            problems.append(f"row {row.row}: unknown role {row.role!r}")
            continue
        if (row.role, row.scope) in seen:
            first = seen[(row.role, row.scope)]
            problems.append(f"row {row.row}: role {role} scope {row.scope!r} repeats row {first}")
            continue
        seen[(row.role, row.scope)] = row.row
        entry = ChartEntry(role, row.account_code, row.scope)
        problems += [f"row {row.row}: {p}" for p in entry_problems(entry, channels, known_accounts)]
        entries.append(entry)
    return entries, problems


def validate_chart(
    record: str,
    entries: Iterable[ChartEntry],
    *,
    channels: Collection[str],
    known_accounts: Collection[str] | None = None,
) -> None:
    """Refuse a chart with a missing role, an unknown account or a bad scope."""
    entries = list(entries)
    problems: list[str] = []
    seen: set[tuple[AccountRole, str]] = set()
    for e in entries:
        if (e.role, e.scope) in seen:
            problems.append(f"role {e.role} scope {e.scope!r}: mapped twice")
        seen.add((e.role, e.scope))
        problems += entry_problems(e, channels, known_accounts)
    defaults = {e.role for e in entries if e.scope == ""}
    for role in _NEED_DEFAULT:
        if role not in defaults:
            problems.append(f"role {role}: no account mapped")
    if R.CLEARING not in defaults:
        scoped = {e.scope for e in entries if e.role is R.CLEARING}
        for channel in sorted(channels):
            if f"channel:{channel}" not in scoped:
                problems.append(
                    f"role clearing for channel {channel}: no account mapped "
                    f"(map scope channel:{channel} or a default)"
                )
    if problems:
        raise MappingRejected(record, problems)


def resolve_account(
    entries: Iterable[ChartEntry],
    role: AccountRole,
    *,
    channel: str | None = None,
    gateway: str | None = None,
) -> str:
    """The most specific account: gateway scope, then channel scope, then the default."""
    by_scope = {e.scope: e.account_code for e in entries if e.role is role}
    for scope in (f"gateway:{gateway}" if gateway else None, f"channel:{channel}", ""):
        if scope is not None and scope in by_scope:
            return by_scope[scope]
    raise NotFound("account mapping", f"{role} for channel {channel}", field=str(role))


def validate_tax_codes(
    record: str,
    entries: Iterable[TaxEntry],
    *,
    channels: Collection[str],
    known_tax_codes: Collection[str] | None = None,
) -> None:
    problems: list[str] = []
    seen: set[tuple[str | None, str]] = set()
    for e in entries:
        where = f"tax {e.channel_tax!r}" + (f" on channel {e.channel}" if e.channel else "")
        if not e.channel_tax.strip():
            problems.append(f"{where}: channel tax name is empty")
        if (e.channel, e.channel_tax) in seen:
            problems.append(f"{where}: mapped twice")
        seen.add((e.channel, e.channel_tax))
        if e.channel is not None and e.channel not in channels:
            problems.append(f"{where}: unknown channel {e.channel!r}")
        if not e.tax_code.strip():
            problems.append(f"{where}: tax code is empty")
        elif known_tax_codes is not None and e.tax_code not in known_tax_codes:
            problems.append(f"{where}: unknown tax code {e.tax_code!r} (not in the books)")
    if problems:
        raise MappingRejected(record, problems)


def resolve_tax_code(
    entries: Iterable[TaxEntry], channel: str, channel_tax: str
) -> tuple[str, bool]:
    """(books tax code, prices include it) for a channel's tax line; channel rules first."""
    general = None
    for e in entries:
        if e.channel_tax != channel_tax:
            continue
        if e.channel == channel:
            return e.tax_code, e.inclusive
        if e.channel is None:
            general = (e.tax_code, e.inclusive)
    if general is None:
        raise NotFound("tax code mapping", f"{channel_tax!r} on channel {channel}", "channel_tax")
    return general


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<malformed braces>"}


def validate_party_rules(record: str, entries: Iterable[PartyEntry]) -> None:
    """Every kind used has a default rule; templates use only their kind's placeholders."""
    entries = list(entries)
    problems: list[str] = []
    for e in entries:
        where = f"{e.kind} rule {e.match or '(default)'}"
        if not e.target.strip():
            problems.append(f"{where}: target is empty")
        bad = sorted(_placeholders(e.target) - PLACEHOLDERS[e.kind])
        if bad:
            allowed = ", ".join(sorted(PLACEHOLDERS[e.kind]))
            problems.append(f"{where}: unknown placeholder(s) {', '.join(bad)} (use {allowed})")
    for kind in sorted({e.kind for e in entries}):
        if not any(e.kind is kind and e.match == "" for e in entries):
            problems.append(f"{kind} rules: no default rule (match '')")
    if problems:
        raise MappingRejected(record, problems)


def resolve_party(
    entries: Iterable[PartyEntry], kind: PartyKind, key: str, values: Mapping[str, str]
) -> str:
    """The books name for one item/customer/vendor: an exact match rule, else the default."""
    chosen = None
    for e in entries:
        if e.kind is kind and e.match == key:
            chosen = e
            break
        if e.kind is kind and e.match == "":
            chosen = chosen or e
    if chosen is None:
        raise NotFound(f"{kind} rule", key, field=str(kind))
    return chosen.target.format_map(dict(values))
