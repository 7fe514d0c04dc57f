"""Accounting connections and their mappings: chart of accounts, tax codes, parties.

Each save is all-or-nothing and validated as a whole (mapping.accounting): a chart that
misses a role or names an account the books do not have is refused with every problem
listed, and the stored mapping is left as it was. A half-saved chart could not post.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import ConnectorKind
from connectors.registry import Registry, default_registry
from hub.db.repositories_mapping import MappingRepositories, mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import AlreadyExists, InvalidValue
from hub.domain.mappings import (
    AccountingConnection,
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
    chart_from_rows,
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


def accounting_systems(registry: Registry | None = None) -> list[str]:
    """Registry names of the installed accounting connectors."""
    infos, _broken = (registry or default_registry).describe_all()
    return sorted(i.name for i in infos if i.kind is ConnectorKind.ACCOUNTING)


def create_connection(
    uow: UnitOfWork,
    name: str,
    system: str,
    settings: dict[str, Any] | None = None,
    *,
    registry: Registry | None = None,
) -> AccountingConnection:
    """`system` is an accounting connector's registry name (a plug-in is as good as a
    built-in one); `settings` may carry `accounts` and `tax_codes`: the books' codes to
    check against."""
    known = accounting_systems(registry)
    if system not in known:
        raise InvalidValue(
            "system", system, f"use one of {', '.join(known)}", "accounting connection"
        )
    kind = system
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


@dataclass
class _Opened:
    repos: MappingRepositories
    connection: AccountingConnection
    id: int
    tenant_id: int
    channels: dict[str, int]  # channel name -> id

    @property
    def record(self) -> str:
        return f"accounting connection {self.connection.name}"

    def setting(self, key: str) -> list[str] | None:
        return _list_setting(self.connection.settings, key)


def _open(uow: UnitOfWork, name: str) -> _Opened:
    """Inside an entered unit of work: what every mapping save needs."""
    repos = mapping_repos(uow)
    connection = repos.connections.by_key(name)
    assert connection.id is not None and uow.tenant_id is not None
    channels = {c.name: c.id for c in uow.channels.list() if c.id is not None}
    return _Opened(repos, connection, connection.id, uow.tenant_id, channels)


def _replace_rows(uow: UnitOfWork, old: Sequence[object], new: Sequence[object]) -> None:
    for row in old:
        uow.session.delete(row)
    uow.session.flush()  # unique (connection, key) rows: old ones must be gone first
    uow.session.add_all(new)
    uow.session.flush()


def _save_chart(uow: UnitOfWork, c: _Opened, entries: list[ChartEntry]) -> None:
    validate_chart(c.record, entries, channels=c.channels, known_accounts=c.setting("accounts"))
    _replace_rows(
        uow,
        c.repos.accounts.list(connection_id=c.id),
        [AccountMapping(c.tenant_id, c.id, e.role, e.account_code, e.scope) for e in entries],
    )


def set_accounts(
    uow: UnitOfWork, connection_name: str, entries: Iterable[ChartEntry], *, replace: bool = False
) -> list[ChartEntry]:
    """Merge `entries` into the chart (or replace it) and save only if the result is complete."""
    with uow:
        c = _open(uow, connection_name)
        merged: dict[tuple[AccountRole, str], ChartEntry] = {}
        if not replace:
            for m in c.repos.accounts.list(connection_id=c.id):
                merged[(m.role, m.scope)] = ChartEntry(m.role, m.account_code, m.scope)
        for e in entries:
            merged[(e.role, e.scope)] = e
        chart = sorted(merged.values(), key=lambda e: (e.role.value, e.scope))
        _save_chart(uow, c, chart)
        uow.commit()
        return chart


def import_chart(uow: UnitOfWork, connection_name: str, text: str) -> list[ChartEntry]:
    """Replace the chart from CSV (role,scope,account_code). All or nothing: any refused
    row, or a chart left incomplete, refuses the file with every row number and reason."""
    parsed = parse_chart(text)
    with uow:
        c = _open(uow, connection_name)
        entries, problems = chart_from_rows(parsed.rows, c.channels, c.setting("accounts"))
        problems = [f"row {e.row}: {e.reason}" for e in parsed.errors] + problems
        if problems:
            raise MappingRejected(c.record, problems)
        _save_chart(uow, c, entries)
        uow.commit()
        return entries


def export_chart(uow: UnitOfWork, connection_name: str) -> str:
    with uow:
        c = _open(uow, connection_name)
        chart = c.repos.accounts.list(connection_id=c.id)
        return render_chart((m.role.value, m.scope, m.account_code) for m in chart)


def _tax_entries(c: _Opened) -> list[TaxEntry]:
    names = {v: k for k, v in c.channels.items()}
    return [
        TaxEntry(
            m.channel_tax,
            m.tax_code,
            m.inclusive,
            names.get(m.channel_id) if m.channel_id is not None else None,
        )
        for m in c.repos.tax_codes.list(connection_id=c.id)
    ]


def set_tax_codes(
    uow: UnitOfWork, connection_name: str, entries: Iterable[TaxEntry], *, replace: bool = False
) -> list[TaxEntry]:
    with uow:
        c = _open(uow, connection_name)
        merged = {} if replace else {(e.channel, e.channel_tax): e for e in _tax_entries(c)}
        for e in entries:
            merged[(e.channel, e.channel_tax)] = e
        result = list(merged.values())
        validate_tax_codes(
            c.record, result, channels=c.channels, known_tax_codes=c.setting("tax_codes")
        )
        new = [
            TaxCodeMapping(
                c.tenant_id,
                c.id,
                e.channel_tax,
                e.tax_code,
                e.inclusive,
                c.channels[e.channel] if e.channel else None,
            )
            for e in result
        ]
        _replace_rows(uow, c.repos.tax_codes.list(connection_id=c.id), new)
        uow.commit()
        return result


def set_party_rules(
    uow: UnitOfWork, connection_name: str, entries: Iterable[PartyEntry], *, replace: bool = False
) -> list[PartyEntry]:
    with uow:
        c = _open(uow, connection_name)
        existing = c.repos.party_rules.list(connection_id=c.id)
        merged = {} if replace else {(r.kind, r.match): PartyEntry(r.kind, r.target, r.match)
                                     for r in existing}  # fmt: skip
        for e in entries:
            merged[(e.kind, e.match)] = e
        result = sorted(merged.values(), key=lambda e: (e.kind.value, e.match))
        validate_party_rules(c.record, result)
        new = [PartyRule(c.tenant_id, c.id, e.kind, e.target, e.match) for e in result]
        _replace_rows(uow, existing, new)
        uow.commit()
        return result


def show_mappings(uow: UnitOfWork, connection_name: str) -> AccountingMappings:
    with uow:
        c = _open(uow, connection_name)
        return AccountingMappings(
            c.connection.name,
            c.connection.system,
            [ChartEntry(m.role, m.account_code, m.scope)
             for m in c.repos.accounts.list(connection_id=c.id)],
            _tax_entries(c),
            [PartyEntry(r.kind, r.target, r.match)
             for r in c.repos.party_rules.list(connection_id=c.id)],
        )  # fmt: skip
