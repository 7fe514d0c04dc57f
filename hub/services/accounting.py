"""Accounting documents from hub events: generate once per deterministic key, hold what
cannot be built (with the reason), and enqueue the rest in the outbox in the same
transaction. Posting lives in hub.services.posting."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from hub.db.accounting_store import DocumentStore, PostingPolicy
from hub.db.outbox import Outbox, OutboxEvent
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel
from hub.domain.clock import utcnow
from hub.domain.document_builders import (
    Books,
    FeeLine,
    Payout,
    bill_for_receipt,
    credit_note_for_refund,
    documents_for_payout,
    order_key,
    refund_key,
    sales_document,
)
from hub.domain.documents import (
    Document,
    DocumentKind,
    DocumentStatus,
    PostingPoint,
    SummaryMode,
)
from hub.domain.errors import DomainError, NotFound
from hub.domain.money import Money
from hub.domain.order_documents import (
    captured,
    channel_posting_point,
    credit_note_key,
    invoice_date,
    invoice_due,
    no_longer_owed,
    reversal,
    reversal_key,
)
from hub.domain.orders import Order
from hub.services.accounting_books import connection_id, load_books
from hub.services.accounting_costs import emit_inventory
from hub.services.accounting_daily import DailyCollector, Emit
from hub.services.accounting_errors import close_hold, open_hold
from hub.services.accounting_settlements import emit_settlements

__all__ = [
    "POST_TOPIC",
    "Generation",
    "GenerationReport",
    "enqueue",
    "generate_documents",
    "record_payout",
    "set_policy",
]

POST_TOPIC = "accounting.post"
_INVOICES = (DocumentKind.SALES_RECEIPT, DocumentKind.SALES_INVOICE)


@dataclass
class GenerationReport:
    created: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # key -> reason
    unchanged: int = 0
    voided: list[str] = field(default_factory=list)  # voided in the hub, never posted


def set_policy(
    uow: UnitOfWork, connection: str, policy_for: Callable[[int], PostingPolicy]
) -> None:
    """Save how a connection is posted to; `policy_for(connection_id)` builds the policy."""
    with uow:
        store = DocumentStore(uow.session, _tenant(uow))
        store.save_policy(policy_for(connection_id(uow, connection)))
        uow.commit()


def enqueue(uow: UnitOfWork, doc: Document) -> None:
    """The outbox event that makes the relay (or post_pending_documents) post `doc`."""
    assert doc.id is not None
    Outbox(uow.session, _tenant(uow)).add(
        OutboxEvent(
            POST_TOPIC,
            f"connection:{doc.connection_id}/document:{doc.key}",
            {"document_id": doc.id, "connection_id": doc.connection_id},
            version=doc.generation,
        )
    )


def record_payout(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    paid_on: date,
    net: Money,
    *,
    fees: Sequence[tuple[str, Money]] = (),
    orders: Sequence[str] = (),
    refunds: Sequence[tuple[str, str]] = (),  # (order external id, refund external id)
) -> None:
    """A channel's payout as the channel reported it; documents follow on generation."""
    with uow:
        ch = _channel(uow, channel)
        assert ch.id is not None
        payout = Payout(
            channel,
            external_id,
            paid_on,
            net,
            [FeeLine(d, a) for d, a in fees],
            list(orders),
            [(o, r) for o, r in refunds],
        )
        DocumentStore(uow.session, _tenant(uow)).add_payout(ch.id, payout)
        uow.commit()


def generate_documents(
    uow: UnitOfWork, connection: str, *, retry_held: bool = False
) -> GenerationReport:
    """Build every document the hub's records call for that this connection lacks."""
    report = GenerationReport()
    with uow:
        gen = Generation(uow, connection_id(uow, connection), report, retry_held=retry_held)
        gen.orders(uow.orders.list())
        if gen.daily is not None:
            gen.daily.flush(gen.emit)
        gen.receipts_and_payouts()
        emit_inventory(uow.session, gen.tenant_id, gen.books, gen.emit)
        uow.commit()
    return report


class Generation:
    """One connection's document generation inside the caller's open unit of work (not
    committed here): `generate_documents` runs it over every record, the order-change
    follower (hub.services.order_books) over the orders that changed."""

    def __init__(
        self,
        uow: UnitOfWork,
        cid: int,
        report: GenerationReport,
        *,
        retry_held: bool = False,
        keys: Sequence[str] | None = None,
    ) -> None:
        self.uow, self.cid, self.report = uow, cid, report
        self.tenant_id = _tenant(uow)
        self.store = DocumentStore(uow.session, self.tenant_id)
        self.policy = self.store.policy(cid)
        channels = [c for c in uow.channels.list() if c.id is not None]
        self.channels = {c.id: c.name for c in channels if c.id is not None}
        self.points = {
            c.id: channel_posting_point(c.settings, self.policy.posting_point)
            for c in channels
            if c.id is not None
        }
        self.books = load_books(
            uow.session, self.tenant_id, cid, self.policy, self.channels.values()
        )
        summarised = self.policy.summary is SummaryMode.DAILY
        # Daily summaries need every document (members of other days), so only a
        # per-order connection narrows the lookup to the keys asked for.
        narrow = None if keys is None or summarised else keys
        self.existing = {d.key: d for d in self.store.documents(cid, keys=narrow)}
        self.redo = {
            k for k, d in self.existing.items() if retry_held and d.status is DocumentStatus.HELD
        }
        self.daily = (
            DailyCollector(self.books, self.tenant_id, utcnow().date(), self.existing)
            if summarised
            else None
        )
        self.settled: dict[str, dict[str, list[str]]] = {}  # channel -> order -> credit notes

    def emit(
        self,
        key: str,
        kind: DocumentKind,
        source: str,
        on: date,
        build: Callable[[], list[Document]],
    ) -> None:
        if key in self.existing and key not in self.redo:
            self.report.unchanged += 1
            return
        try:
            docs = build()
            for doc in docs:
                _check_currency(doc, self.policy)
        except DomainError as exc:
            docs = [
                Document(
                    self.tenant_id,
                    self.cid,
                    kind,
                    key,
                    on,
                    self.policy.home_currency,
                    source=source,
                    status=DocumentStatus.HELD,
                    hold_reason=str(exc),
                )
            ]
        for doc in docs:
            _store(self.uow, self.store, doc, self.existing.get(doc.key), self.report)
            self.existing[doc.key] = doc

    def orders(self, orders: Iterable[Order]) -> None:
        for order in orders:
            channel = self.channels[order.channel_id]
            # What a payout's lines may name: the order and its refunds' credit notes.
            self.settled.setdefault(channel, {})[order.external_id] = [
                refund_key(channel, order.external_id, r.external_id)
                for r in order.refunds
                if r.external_id
            ]
            point = self.points.get(order.channel_id, self.policy.posting_point)
            if invoice_due(order, point):
                _order_documents(order, channel, point, self.books, self.emit, self.daily)
            elif no_longer_owed(order):
                self.void(order_key(channel, order.external_id), order.label)

    def void(self, key: str, reason: str) -> None:
        """The order no longer owes its invoice: one that never reached the books is voided
        in the hub; one that did (or may have: `posting`) is undone by a reversal."""
        old = self.existing.get(key)
        if old is None or old.kind not in _INVOICES or old.status is DocumentStatus.VOIDED:
            return
        if reversal_key(key) in self.existing:
            self.report.unchanged += 1
            return
        assert old.id is not None
        old = self.store.get(old.id, lock=True)  # a poster may have claimed it since
        if old.status in (DocumentStatus.PENDING, DocumentStatus.HELD):
            if old.status is DocumentStatus.HELD:
                close_hold(self.uow.session, self.tenant_id, old)
            old.status = DocumentStatus.VOIDED
            old.hold_reason = f"no longer owed: {reason} was cancelled before capture"
            self.store.save(old)
            self.existing[key] = old
            self.report.voided.append(key)
            return
        doc = reversal(old, utcnow().date())
        _store(self.uow, self.store, doc, None, self.report)
        self.existing[doc.key] = doc

    def receipts_and_payouts(self) -> None:
        uow, books, emit = self.uow, self.books, self.emit
        for receipt in uow.receipts.list():
            po = uow.purchase_orders.get(receipt.purchase_order_id)
            supplier = uow.suppliers.get(po.supplier_id)
            key = f"purchase:{po.number}:receipt:{receipt.id}"
            emit(
                key,
                DocumentKind.SUPPLIER_BILL,
                f"receipt:{receipt.id}",
                receipt.received_at.date(),
                partial(
                    _one, bill_for_receipt, receipt, supplier.code, supplier.name, po.number, books
                ),
            )
        summaries = [d for d in self.store.documents(self.cid) if d.members]
        for payout in self.store.payouts(self.channels):
            base = f"{payout.channel}:payout:{payout.external_id}"
            settled = [order_key(payout.channel, o) for o in payout.orders] + [
                refund_key(payout.channel, o, r) for o, r in payout.refunds
            ]
            # A daily summary belongs to the payout that settles all of its orders.
            settled += [d.key for d in summaries if set(d.members) <= set(settled)]
            self.store.link_payout(self.cid, settled, f"{payout.channel}:{payout.external_id}")
            emit(
                base,
                DocumentKind.PAYOUT,
                f"payout:{base}",
                payout.paid_on,
                partial(documents_for_payout, payout, books, self.tenant_id),
            )
        emit_settlements(
            self.store,
            self.cid,
            self.channels,
            self.settled,
            books,
            emit,
            lambda key: key in self.existing and key not in self.redo,
        )


def _order_documents(
    order: Order,
    channel: str,
    point: PostingPoint,
    books: Books,
    emit: Emit,
    daily: DailyCollector | None,
) -> None:
    """The invoice (a receipt when paid) and a credit note per refund of a due order."""
    paid = captured(order)
    kind = DocumentKind.SALES_RECEIPT if paid else DocumentKind.SALES_INVOICE
    day = invoice_date(order, point, utcnow().date())
    if daily is not None and paid and daily.offer(order, channel, day, emit):
        _refund_documents(order, channel, books, emit)
        return
    emit(
        order_key(channel, order.external_id),
        kind,
        f"order:{order.id}",
        day,
        partial(_one, partial(sales_document, paid=paid), order, channel, books, day),
    )
    _refund_documents(order, channel, books, emit)


def _refund_documents(order: Order, channel: str, books: Books, emit: Emit) -> None:
    """Every refund, with or without a platform id (credit_note_key gives it the hub's).
    A refund of no money (units back only: a Medusa return, a Shopify restock without a
    refund) changes nothing owed, so it gets no credit note."""
    for refund in order.refunds:
        if not refund.amount.amount:
            continue
        emit(
            credit_note_key(channel, order, refund),
            DocumentKind.CREDIT_NOTE,
            f"refund:{refund.id}",
            refund.created_at.date(),
            partial(_one, credit_note_for_refund, order, refund, channel, books),
        )


def _one(build: Callable[..., Document], *args: object) -> list[Document]:
    return [build(*args)]


def _check_currency(doc: Document, policy: PostingPolicy) -> None:
    allowed = {policy.home_currency, *policy.currencies}
    if doc.currency not in allowed:
        have = ", ".join(sorted(allowed))
        raise NotFound(
            "books currency", f"{doc.currency} for {doc.label} (books have {have})", "currency"
        )


def _store(
    uow: UnitOfWork,
    store: DocumentStore,
    doc: Document,
    old: Document | None,
    report: GenerationReport,
) -> None:
    if old is not None:
        if old.status is not DocumentStatus.HELD:
            report.unchanged += 1
            return
        doc.id, doc.generation, doc.payout = old.id, old.generation, old.payout
        store.save(doc)
    else:
        store.add(doc)
    if doc.status is DocumentStatus.HELD:
        open_hold(uow.session, store.tenant_id, doc)
        report.held[doc.key] = doc.hold_reason or ""
    else:
        if old is not None:
            close_hold(uow.session, store.tenant_id, doc)
        enqueue(uow, doc)
        report.created.append(doc.key)


def _channel(uow: UnitOfWork, name: str) -> Channel:
    for ch in uow.channels.list():
        if ch.name == name:
            return ch
    raise NotFound("channel", name, "channel")


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None, "accounting is always tenant-scoped"
    return uow.tenant_id
