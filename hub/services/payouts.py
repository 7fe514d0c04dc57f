"""Channel payouts: pull them (with every line) from the platforms, list them, and show
one with its clearing status, its findings and the bank line it should land as.

Pulling runs HTTP outside any transaction and stores each payout in its own one, so a
payout the mapper refuses (lines in a shape the hub does not know, a bad amount) is an
error-queue entry naming it while the rest are stored; the cursor then stays put, so
the refused payout is read again on the next pull."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from connectors.base import Capability, PayoutSource, RawPayout, UnsupportedCapability
from hub.db.accounting_store import DocumentStore
from hub.db.settlement_store import SettlementStore
from hub.db.unit_of_work import UnitOfWork
from hub.domain.bank_matching import BankLine, match_payouts
from hub.domain.documents import Document, DocumentStatus
from hub.domain.errors import DomainError, NotFound
from hub.domain.mappings import AccountRole
from hub.domain.money import Money, total
from hub.domain.settlements import OrderDifference, Settlement, order_differences
from hub.services.accounting_books import connection_id, load_books
from hub.services.inbox import record_error
from hub.services.pull import Cursor, read_cursor, save_cursor
from hub.services.sync_context import SyncContext, load_channel

__all__ = [
    "BankImport",
    "PayoutPullReport",
    "PayoutView",
    "import_bank_lines",
    "list_payouts",
    "payout_status",
    "pull_payouts",
    "show_payout",
]

STREAM = "payouts"
# Payouts move from scheduled to paid for days after they are issued: re-read that long.
REREAD = timedelta(days=14)


@dataclass
class PayoutPullReport:
    channel: str
    since: datetime
    pulled: int = 0
    changed: int = 0
    refused: dict[str, str] = field(default_factory=dict)
    skipped: str | None = None  # why nothing was pulled (no payout source)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "since": self.since.isoformat()}


def pull_payouts(
    ctx: SyncContext, tenant_id: int, channel_id: int, since: datetime | None = None
) -> PayoutPullReport:
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        cursor = read_cursor(uow.session, channel_id, STREAM)
        connector = ctx.connectors.storefront(uow.session, channel)
    if since is None:
        if cursor is not None and cursor.since is not None:
            since = cursor.since - REREAD
        else:
            days = int(ctx.settings.for_channel(channel.settings)["backfill_days"])
            since = ctx.clock() - timedelta(days=days)
    report = PayoutPullReport(channel.name, since)
    if Capability.PULL_PAYOUTS not in connector.capabilities or not isinstance(
        connector, PayoutSource
    ):
        report.skipped = f"{channel.platform} connector does not pull payouts"
        return report
    started = ctx.clock()
    try:
        for raw in connector.iter_payouts(since):
            _store(ctx, tenant_id, channel_id, channel.name, connector, raw, report)
    except UnsupportedCapability as exc:
        report.skipped = str(exc)
        return report
    if not report.refused:
        with ctx.uow(tenant_id) as uow:
            save_cursor(uow.session, channel, STREAM, Cursor(started, None, None), ctx.clock())
            uow.commit()
    return report


def _store(
    ctx: SyncContext,
    tenant_id: int,
    channel_id: int,
    channel: str,
    connector: PayoutSource,
    raw: RawPayout,
    report: PayoutPullReport,
) -> None:
    """One payout in its own transaction (each is committed as it arrives: a pull that
    fails half-way keeps what it read)."""
    report.pulled += 1
    with ctx.uow(tenant_id) as uow:
        store = SettlementStore(uow.session, tenant_id)
        try:
            settlement = connector.map_payout(raw, channel)
        except DomainError as exc:
            report.refused[raw.external_id] = str(exc)
            store.archive(channel_id, raw.external_id, raw.payload)
            store.mark(channel_id, raw.external_id, str(exc))
            record_error(
                uow.session,
                tenant_id,
                channel_id,
                None,
                "map",
                f"payout {raw.external_id}",
                getattr(exc, "field", ""),
                str(exc),
            )
        else:
            report.changed += store.save(channel_id, settlement, raw.payload)
        uow.commit()


@dataclass
class PayoutView:
    settlement: Settlement
    document: Document | None  # the payout's journal in this connection's documents
    clearing_account: str | None
    clearing: Money | None  # what the payout's documents leave on clearing (0 when agreed)
    differences: list[OrderDifference]
    findings: list[str]
    bank_line: BankLine | None

    def as_dict(self) -> dict[str, Any]:
        s = self.settlement
        return {
            "channel": s.channel,
            "payout": s.external_id,
            "paid_on": s.paid_on.isoformat(),
            "net": str(s.net.amount),
            "currency": s.net.currency,
            "status": s.status,
            "settled": s.settled,
            "lines": [
                {
                    "kind": ln.kind.value,
                    "amount": str(ln.amount.amount),
                    "order": ln.order,
                    "fee_type": ln.fee_type,
                    "reference": ln.reference,
                }
                for ln in s.lines
            ],
            "fees_by_order": {
                o: {k: str(v.amount) for k, v in fees.items()}
                for o, fees in s.fees_by_order().items()
            },
            "marketplace_tax_by_order": {
                o: str(m.amount) for o, m in s.withheld_tax_by_order().items()
            },
            "document": None
            if self.document is None
            else {"key": self.document.key, "status": self.document.status.value},
            "clearing_account": self.clearing_account,
            "clearing": None if self.clearing is None else str(self.clearing.amount),
            "findings": self.findings,
            "bank_line": None
            if self.bank_line is None
            else {
                "booked_on": self.bank_line.booked_on.isoformat(),
                "amount": str(self.bank_line.amount.amount),
                "reference": self.bank_line.reference,
            },
            "expected_bank_line": {
                "date": s.paid_on.isoformat(),
                "amount": str(s.net.amount),
                "reference": s.bank_reference,
            },
        }


def list_payouts(uow: UnitOfWork, channel: str | None = None) -> list[Settlement]:
    with uow:
        names = {c.id: c.name for c in uow.channels.list() if c.id is not None}
        channel_id = uow.channels.by_key(channel).id if channel else None
        return SettlementStore(uow.session, _tenant(uow)).all(names, channel_id=channel_id)


def show_payout(uow: UnitOfWork, channel: str, external_id: str, connection: str) -> PayoutView:
    """One payout with its journal, what its documents leave on clearing, and each finding:
    the journal held (and why), an order the channel settled at another figure than the
    hub's documents, a clearing balance left over, the bank line not found."""
    views = payout_status(uow, connection, channel, external_id)
    if not views:
        raise NotFound("payout", f"{channel}:{external_id}", "payout")
    return views[0]


def payout_status(
    uow: UnitOfWork,
    connection: str,
    channel: str | None = None,
    external_id: str | None = None,
    *,
    paid_from: date | None = None,
    paid_to: date | None = None,
) -> list[PayoutView]:
    """The clearing status of every payout (of a channel, paid in a window): the payout
    clearing report."""
    with uow:
        tenant_id = _tenant(uow)
        names = {c.id: c.name for c in uow.channels.list() if c.id is not None}
        channel_id = uow.channels.by_key(channel).id if channel else None
        settlements = SettlementStore(uow.session, tenant_id)
        found = [
            s
            for s in settlements.all(
                names, channel_id=channel_id, paid_from=paid_from, paid_to=paid_to
            )
            if external_id is None or s.external_id == external_id
        ]
        cid = connection_id(uow, connection)
        docs = DocumentStore(uow.session, tenant_id)
        books = load_books(uow.session, tenant_id, cid, docs.policy(cid), names.values())
        views = []
        for settlement in found:
            bank = settlements.bank_line_of(settlement.id or 0)
            mine = settlements.documents_of(cid, settlement.payout_tag)
            journal = next(iter(docs.documents(cid, keys=[settlement.key])), None)
            views.append(_view(settlement, mine, journal, books, bank))
        return views


def _view(
    settlement: Settlement,
    mine: list[Document],
    journal: Document | None,
    books: Any,
    bank: BankLine | None,
) -> PayoutView:
    findings: list[str] = []
    try:
        clearing_account: str | None = books.account(
            AccountRole.CLEARING, settlement.channel, settlement.gateway
        )
    except DomainError as exc:
        clearing_account = None
        findings.append(str(exc))
    if journal is not None and journal.status is DocumentStatus.HELD:
        findings.append(f"{settlement.label}: journal held: {journal.hold_reason}")
    if not settlement.settled:
        findings.append(f"{settlement.label}: {settlement.status}, not settled yet")
    clearing = None
    differences: list[OrderDifference] = []
    if clearing_account is not None and journal is not None:
        cur = settlement.net.currency
        live = [d for d in mine if d.status is not DocumentStatus.HELD]
        clearing = total([d.account_total(clearing_account) for d in live], cur)
        booked: dict[str, Money | None] = {}
        for order in settlement.orders():
            prefix = f"{settlement.channel}:order:{order}"
            of_order = [d for d in live if d.key == prefix or d.key.startswith(prefix + ":")]
            booked[order] = (
                total([d.account_total(clearing_account) for d in of_order], cur)
                if of_order
                else None
            )
        differences = list(order_differences(settlement, booked))
        findings += [str(d) for d in differences]
        if clearing.amount:
            findings.append(
                f"{settlement.label}: clearing {clearing_account} is left at {clearing}, not 0"
            )
    if bank is None:
        findings.append(
            f"{settlement.label}: no bank line matched yet (expected {settlement.net} on "
            f"{settlement.paid_on}"
            + (f", reference {settlement.bank_reference})" if settlement.bank_reference else ")")
        )
    return PayoutView(settlement, journal, clearing_account, clearing, differences, findings, bank)


@dataclass
class BankImport:
    added: int
    matched: list[tuple[str, str]]  # (payout label, bank line reference)
    unmatched_payouts: list[str]  # settled payouts still without a bank line


def import_bank_lines(uow: UnitOfWork, lines: list[BankLine]) -> BankImport:
    """Store the statement's lines (a line imported twice is one row), then match every
    settled payout that has no bank line yet against the lines no payout has taken."""
    with uow:
        tenant_id = _tenant(uow)
        store = SettlementStore(uow.session, tenant_id)
        added = store.add_bank_lines(lines)
        names = {c.id: c.name for c in uow.channels.list() if c.id is not None}
        waiting = [
            s
            for s in store.all(names)
            if s.settled and s.id is not None and store.bank_line_of(s.id) is None
        ]
        pairs = match_payouts(waiting, store.unmatched_bank_lines())
        for settlement, line in pairs:
            assert settlement.id is not None and line.id is not None
            store.match(settlement.id, line.id)
        uow.commit()
        taken = {id(s) for s, _ in pairs}
        return BankImport(
            added,
            [(s.label, b.reference) for s, b in pairs],
            [s.label for s in waiting if id(s) not in taken],
        )


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None, "payouts are always tenant-scoped"
    return uow.tenant_id
