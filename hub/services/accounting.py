"""Accounting documents from hub events: generate once per deterministic key, hold what
cannot be built (with the reason), and enqueue the rest in the outbox in the same
transaction. Posting lives in hub.services.posting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from hub.domain.orders import Order, OrderStatus
from hub.services.accounting_books import connection_id, load_books
from hub.services.accounting_daily import DailyCollector, Emit
from hub.services.accounting_errors import close_hold, open_hold
from hub.services.accounting_settlements import emit_settlements

__all__ = [
    "POST_TOPIC",
    "GenerationReport",
    "enqueue",
    "generate_documents",
    "record_payout",
    "set_policy",
]

POST_TOPIC = "accounting.post"
_SHIPPED = {OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.COMPLETED}


@dataclass
class GenerationReport:
    created: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # key -> reason
    unchanged: int = 0


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
        tenant_id = _tenant(uow)
        cid = connection_id(uow, connection)
        store = DocumentStore(uow.session, tenant_id)
        policy = store.policy(cid)
        channels = {c.id: c.name for c in uow.channels.list() if c.id is not None}
        books = load_books(uow.session, tenant_id, cid, policy, channels.values())
        existing = {d.key: d for d in store.documents(cid)}
        redo = {k for k, d in existing.items() if retry_held and d.status is DocumentStatus.HELD}

        def emit(
            key: str,
            kind: DocumentKind,
            source: str,
            on: date,
            build: Callable[[], list[Document]],
        ) -> None:
            if key in existing and key not in redo:
                report.unchanged += 1
                return
            try:
                docs = build()
                for doc in docs:
                    _check_currency(doc, policy)
            except DomainError as exc:
                docs = [
                    Document(
                        tenant_id,
                        cid,
                        kind,
                        key,
                        on,
                        policy.home_currency,
                        source=source,
                        status=DocumentStatus.HELD,
                        hold_reason=str(exc),
                    )
                ]
            for doc in docs:
                _store(uow, store, doc, existing.get(doc.key), report)

        daily = (
            DailyCollector(books, tenant_id, utcnow().date(), existing)
            if policy.summary is SummaryMode.DAILY
            else None
        )
        orders: dict[str, dict[str, list[str]]] = {}  # channel -> order -> credit note keys
        for order in uow.orders.list():
            channel = channels[order.channel_id]
            orders.setdefault(channel, {})[order.external_id] = [
                refund_key(channel, order.external_id, r.external_id)
                for r in order.refunds
                if r.external_id
            ]
            _order_documents(order, channel, books, policy, emit, daily)
        if daily is not None:
            daily.flush(emit)
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
        summaries = [d for d in store.documents(cid) if d.members]
        for payout in store.payouts(channels):
            base = f"{payout.channel}:payout:{payout.external_id}"
            settled = [order_key(payout.channel, o) for o in payout.orders] + [
                refund_key(payout.channel, o, r) for o, r in payout.refunds
            ]
            # A daily summary belongs to the payout that settles all of its orders.
            settled += [d.key for d in summaries if set(d.members) <= set(settled)]
            store.link_payout(cid, settled, f"{payout.channel}:{payout.external_id}")
            emit(
                base,
                DocumentKind.PAYOUT,
                f"payout:{base}",
                payout.paid_on,
                partial(documents_for_payout, payout, books, tenant_id),
            )
        emit_settlements(
            store, cid, channels, orders, books, emit, lambda k: k in existing and k not in redo
        )
        uow.commit()
    return report


def _order_documents(
    order: Order,
    channel: str,
    books: Books,
    policy: PostingPolicy,
    emit: Emit,
    daily: DailyCollector | None,
) -> None:
    paid = bool(order.payments)
    if policy.posting_point is PostingPoint.PAYMENT:
        due = paid
        on = (order.payments[0].processed_at or order.placed_at).date() if paid else None
    else:
        due = order.status in _SHIPPED or (order.status is OrderStatus.REFUNDED and paid)
        on = utcnow().date()
    if not due or on is None:
        return
    kind = DocumentKind.SALES_RECEIPT if paid else DocumentKind.SALES_INVOICE
    day = on
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
    for refund in order.refunds:
        if not refund.external_id:
            continue
        key = refund_key(channel, order.external_id, refund.external_id)
        emit(
            key,
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
