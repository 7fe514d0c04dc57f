"""Accounting connections and their mappings: chart of accounts, tax codes, parties.

Each save is all-or-nothing and validated as a whole (mapping.accounting): a chart that
misses a role or names an account the books do not have is refused with every problem
listed, and the stored mapping is left as it was. A half-saved chart could not post.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.db.repositories_mapping import MappingRepositories, mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import AlreadyExists, InvalidValue
from hub.domain.mappings import (
    AccountingConnection,
    AccountingSystem,
    AccountMapping,
    AccountRole,
    MappingRejected,
    PartyRule,
    TaxCodeMapping,
)
from mapping.accounting import (
    ChartEntry,
    PartyEntry,
    TaxEntry,
    entry_problems,
    validate_chart,
    validate_party_rules,
    validate_tax_codes,
)
from mapping.csv_formats import parse_chart, render_chart

__all__ = [
    "AccountingMappings",
    "create_connection",
    "export_chart",
    "import_chart",
    "set_accounts",
    "set_party_rules",
    "set_tax_codes",
    "show_mappings",
]


@dataclass
class AccountingMappings:
    connection: str
    system: str
    chart: list[ChartEntry] = field(default_factory=list)
    tax_codes: list[TaxEntry] = field(default_factory=list)
    party_rules: list[PartyEntry] = field(default_factory=list)


def _list_setting(settings: dict[str, Any], key: str) -> list[str] | None:
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidValue(key, value, "must be a list of codes", record="accounting connection")
    return value


def create_connection(
    uow: UnitOfWork, name: str, system: str, settings: dict[str, Any] | None = None
) -> AccountingConnection:
    """`settings` may carry `accounts` and `tax_codes`: the books' codes to check against."""
    try:
        kind = AccountingSystem(system)
    except ValueError:
        allowed = ", ".join(s.value for s in AccountingSystem)
        raise InvalidValue(
            "system", system, f"use one of {allowed}", "accounting connection"
        ) from None
    settings = dict(settings or {})
    _list_setting(settings, "accounts")
    _list_setting(settings, "tax_codes")
    with uow:
        repos = mapping_repos(uow)
        if repos.connections.find(name=name) is not None:
            raise AlreadyExists("accounting connection", name)
        assert uow.tenant_id is not None
        connection = repos.connections.add(
            AccountingConnection(uow.tenant_id, name, kind, settings)
        )
        uow.commit()
        return connection


def _channels(uow: UnitOfWork) -> dict[str, int]:
    return {c.name: c.id for c in uow.channels.list() if c.id is not None}


def _chart(repos: MappingRepositories, connection_id: int) -> list[AccountMapping]:
    return list(repos.accounts.list(connection_id=connection_id))


def _save_chart(
    uow: UnitOfWork, connection: AccountingConnection, entries: list[ChartEntry]
) -> None:
    repos = mapping_repos(uow)
    validate_chart(
        f"accounting connection {connection.name}",
        entries,
        channels=_channels(uow),
        known_accounts=_list_setting(connection.settings, "accounts"),
    )
    assert connection.id is not None and uow.tenant_id is not None
    for old in _chart(repos, connection.id):
        uow.session.delete(old)
    uow.session.flush()
    for e in entries:
        repos.accounts.add(
            AccountMapping(uow.tenant_id, connection.id, e.role, e.account_code, e.scope)
        )


def set_accounts(
    uow: UnitOfWork, connection_name: str, entries: Iterable[ChartEntry], *, replace: bool = False
) -> list[ChartEntry]:
    """Merge `entries` into the chart (or replace it) and save only if the result is complete."""
    with uow:
        repos = mapping_repos(uow)
        connection = repos.connections.by_key(connection_name)
        assert connection.id is not None
        merged: dict[tuple[AccountRole, str], ChartEntry] = {}
        if not replace:
            for m in _chart(repos, connection.id):
                merged[(m.role, m.scope)] = ChartEntry(m.role, m.account_code, m.scope)
        for e in entries:
            merged[(e.role, e.scope)] = e
        chart = sorted(merged.values(), key=lambda e: (e.role.value, e.scope))
        _save_chart(uow, connection, chart)
        uow.commit()
        return chart


def import_chart(uow: UnitOfWork, connection_name: str, text: str) -> list[ChartEntry]:
    """Replace the chart from CSV (role,scope,account_code). All or nothing: any refused
    row, or a chart left incomplete, refuses the file with every row number and reason."""
    parsed = parse_chart(text)
    problems = [f"row {e.row}: {e.reason}" for e in parsed.errors]
    entries: list[ChartEntry] = []
    with uow:
        connection = mapping_repos(uow).connections.by_key(connection_name)
        channels = _channels(uow)
        known = _list_setting(connection.settings, "accounts")
        seen: dict[tuple[str, str], int] = {}
        for row in parsed.rows:
            try:
                role = AccountRole(row.role)
            except ValueError:
                problems.append(f"row {row.row}: unknown role {row.role!r}")
                continue
            if (row.role, row.scope) in seen:
                first = seen[(row.role, row.scope)]
                problems.append(
                    f"row {row.row}: role {role} scope {row.scope!r} repeats row {first}"
                )
                continue
            seen[(row.role, row.scope)] = row.row
            entry = ChartEntry(role, row.account_code, row.scope)
            problems += [f"row {row.row}: {p}" for p in entry_problems(entry, channels, known)]
            entries.append(entry)
        record = f"accounting connection {connection_name}"
        if problems:
            raise MappingRejected(record, problems)
        _save_chart(uow, connection, entries)
        uow.commit()
        return entries


def export_chart(uow: UnitOfWork, connection_name: str) -> str:
    with uow:
        repos = mapping_repos(uow)
        connection = repos.connections.by_key(connection_name)
        assert connection.id is not None
        return render_chart(
            (m.role.value, m.scope, m.account_code) for m in _chart(repos, connection.id)
        )


def set_tax_codes(
    uow: UnitOfWork, connection_name: str, entries: Iterable[TaxEntry], *, replace: bool = False
) -> list[TaxEntry]:
    with uow:
        repos = mapping_repos(uow)
        connection = repos.connections.by_key(connection_name)
        assert connection.id is not None and uow.tenant_id is not None
        channels = _channels(uow)
        names = {v: k for k, v in channels.items()}
        existing = list(repos.tax_codes.list(connection_id=connection.id))
        merged: dict[tuple[str | None, str], TaxEntry] = {}
        if not replace:
            for m in existing:
                channel = names.get(m.channel_id) if m.channel_id is not None else None
                merged[(channel, m.channel_tax)] = TaxEntry(
                    m.channel_tax, m.tax_code, m.inclusive, channel
                )
        for e in entries:
            merged[(e.channel, e.channel_tax)] = e
        result = list(merged.values())
        validate_tax_codes(
            f"accounting connection {connection_name}",
            result,
            channels=channels,
            known_tax_codes=_list_setting(connection.settings, "tax_codes"),
        )
        for old in existing:
            uow.session.delete(old)
        uow.session.flush()
        for e in result:
            channel_id = channels[e.channel] if e.channel else None
            repos.tax_codes.add(
                TaxCodeMapping(
                    uow.tenant_id, connection.id, e.channel_tax, e.tax_code, e.inclusive, channel_id
                )
            )
        uow.commit()
        return result


def set_party_rules(
    uow: UnitOfWork, connection_name: str, entries: Iterable[PartyEntry], *, replace: bool = False
) -> list[PartyEntry]:
    with uow:
        repos = mapping_repos(uow)
        connection = repos.connections.by_key(connection_name)
        assert connection.id is not None and uow.tenant_id is not None
        existing = list(repos.party_rules.list(connection_id=connection.id))
        merged = (
            {}
            if replace
            else {(r.kind, r.match): PartyEntry(r.kind, r.target, r.match) for r in existing}
        )
        for e in entries:
            merged[(e.kind, e.match)] = e
        result = sorted(merged.values(), key=lambda e: (e.kind.value, e.match))
        validate_party_rules(f"accounting connection {connection_name}", result)
        for old in existing:
            uow.session.delete(old)
        uow.session.flush()
        for e in result:
            repos.party_rules.add(
                PartyRule(uow.tenant_id, connection.id, e.kind, e.target, e.match)
            )
        uow.commit()
        return result


def show_mappings(uow: UnitOfWork, connection_name: str) -> AccountingMappings:
    with uow:
        repos = mapping_repos(uow)
        connection = repos.connections.by_key(connection_name)
        assert connection.id is not None
        names = {c.id: c.name for c in uow.channels.list()}
        cid = connection.id
        return AccountingMappings(
            connection.name,
            connection.system.value,
            [ChartEntry(m.role, m.account_code, m.scope) for m in _chart(repos, cid)],
            [
                TaxEntry(
                    m.channel_tax,
                    m.tax_code,
                    m.inclusive,
                    names.get(m.channel_id) if m.channel_id else None,
                )
                for m in repos.tax_codes.list(connection_id=cid)
            ],
            [
                PartyEntry(r.kind, r.target, r.match)
                for r in repos.party_rules.list(connection_id=cid)
            ],
        )
