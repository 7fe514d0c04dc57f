"""One connection's mappings (issue 4's tables) as the document builders need them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import AccountingConnector
from connectors.registry import Registry
from hub.db.accounting_store import PostingPolicy
from hub.db.tables import channels
from hub.db.tables_mapping import (
    account_mappings,
    accounting_connections,
    party_rules,
    tax_code_mappings,
)
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import NotFound
from hub.domain.mappings import AccountRole, PartyKind
from hub.services.connections import validate_config
from mapping.accounting import (
    ChartEntry,
    PartyEntry,
    TaxEntry,
    resolve_account,
    resolve_party,
    resolve_tax_code,
)

__all__ = [
    "Connection",
    "MappedBooks",
    "connection",
    "connection_id",
    "load_books",
    "open_books",
]


@dataclass(frozen=True)
class Connection:
    id: int
    name: str
    system: str  # the accounting connector's registry name
    settings: Mapping[str, object]


def connection(uow: UnitOfWork, name: str) -> Connection:
    c = accounting_connections.c
    row = uow.session.execute(
        select(accounting_connections).where(c.tenant_id == uow.tenant_id, c.name == name)
    ).first()
    if row is None:
        raise NotFound("accounting connection", name, "connection")
    return Connection(row.id, row.name, str(row.system), dict(row.settings or {}))


def connection_id(uow: UnitOfWork, name: str) -> int:
    return connection(uow, name).id


@dataclass(frozen=True)
class MappedBooks:
    connection_id: int
    home_currency: str
    bank_account: str
    chart: Sequence[ChartEntry]
    taxes: Sequence[TaxEntry]
    parties: Sequence[PartyEntry]

    def account(self, role: AccountRole, channel: str, gateway: str | None = None) -> str:
        return resolve_account(self.chart, role, channel=channel or None, gateway=gateway)

    def tax_code(self, channel: str, title: str) -> str:
        return resolve_tax_code(self.taxes, channel, title)[0]

    def customer(self, channel: str, email: str, name: str) -> str:
        return self._party(
            PartyKind.CUSTOMER, channel, {"channel": channel, "email": email, "name": name}
        )

    def vendor(self, code: str, name: str) -> str:
        return self._party(PartyKind.VENDOR, code, {"supplier": code, "name": name}) or name

    def _party(self, kind: PartyKind, key: str, values: Mapping[str, str]) -> str:
        if not any(p.kind is kind for p in self.parties):
            return values.get("name") or values.get("channel", "")
        return resolve_party(self.parties, kind, key, values)


def load_books(
    session: Session,
    tenant_id: int,
    connection_id: int,
    policy: PostingPolicy,
    channel_names: Iterable[str],
) -> MappedBooks:
    del channel_names  # scopes are already channel names
    a, t, p = account_mappings.c, tax_code_mappings.c, party_rules.c
    chart = [
        ChartEntry(r.role, r.account_code, r.scope)
        for r in session.execute(
            select(account_mappings).where(
                a.tenant_id == tenant_id, a.connection_id == connection_id
            )
        )
    ]
    names = {
        r.id: r.name
        for r in session.execute(
            select(channels.c.id, channels.c.name).where(channels.c.tenant_id == tenant_id)
        )
    }
    taxes = [
        TaxEntry(
            r.channel_tax,
            r.tax_code,
            r.inclusive,
            names.get(r.channel_id) if r.channel_id is not None else None,
        )
        for r in session.execute(
            select(tax_code_mappings).where(
                t.tenant_id == tenant_id, t.connection_id == connection_id
            )
        )
    ]
    parties = [
        PartyEntry(r.kind, r.target, r.match)
        for r in session.execute(
            select(party_rules).where(p.tenant_id == tenant_id, p.connection_id == connection_id)
        )
    ]
    return MappedBooks(
        connection_id, policy.home_currency, policy.bank_account, chart, taxes, parties
    )


_MAPPING_KEYS = ("accounts", "tax_codes", "connection_id")


def open_books(
    uow_factory: Callable[[], UnitOfWork],
    name: str,
    registry: Registry,
    open_connection: Callable[[int], Any] | None = None,
) -> AccountingConnector:
    """The connector for accounting connection `name`: a sync-engine connection (secrets
    encrypted there) when its settings name one by `connection_id`, else the system's
    connector built from the plain settings (Beancount needs only a ledger path)."""
    with uow_factory() as uow:
        conn = connection(uow, name)
    if "connection_id" in conn.settings and open_connection is not None:
        return cast(AccountingConnector, open_connection(int(str(conn.settings["connection_id"]))))
    cls = registry.load(conn.system)
    values = {k: v for k, v in conn.settings.items() if k not in _MAPPING_KEYS}
    config = validate_config(registry, conn.system, values, f"accounting connection {name}")
    return cast(AccountingConnector, cls(config))
