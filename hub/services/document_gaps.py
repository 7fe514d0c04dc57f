"""What an order's current state requires of the books against what the hub made: the
documents reconciliation reports as `missing_document` and `should_be_voided`
(reconciliation.job), and repairs through hub.services.order_books.refresh_orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hub.db.accounting_store import DocumentStore
from hub.db.order_activity import active_order_ids
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.document_builders import order_key
from hub.domain.documents import Document, DocumentKind, DocumentStatus, SummaryMode
from hub.domain.order_documents import (
    captured,
    channel_posting_point,
    invoice_date,
    no_longer_owed,
    required_keys,
    reversal_key,
)
from hub.domain.orders import Order
from hub.services.accounting_books import connection_id

__all__ = ["Gap", "document_gaps"]

_INVOICES = (DocumentKind.SALES_RECEIPT, DocumentKind.SALES_INVOICE)


@dataclass(frozen=True)
class Gap:
    """A difference between what an order's current state requires and what the hub
    made: `missing` (required, never made, or voided/reversed since) or `void` (made, and
    no longer owed)."""

    order_id: int
    key: str
    gap: str  # "missing" | "void"
    kind: str  # the document's kind (the one required, or the one to void)
    currency: str
    total: Decimal | None
    detail: str


def document_gaps(uow: UnitOfWork, connection: str, start: date, end: date) -> list[Gap]:
    """Per order with activity in [start, end] (placed, paid, refunded, cancelled or
    updated), what its current state requires on this connection against the documents
    the hub holds. A daily summary that lists the order covers its invoice."""
    cid = connection_id(uow, connection)
    store = DocumentStore(uow.session, _tenant(uow))
    policy = store.policy(cid)
    channels = {c.id: c for c in uow.channels.list()}
    docs = {d.key: d for d in store.documents(cid)}
    covered = {m for d in docs.values() for m in d.members}
    today = utcnow().date()
    gaps: list[Gap] = []
    for order in uow.orders.many(active_order_ids(uow.session, _tenant(uow), start, end)):
        channel = channels[order.channel_id]
        point = channel_posting_point(channel.settings, policy.posting_point)
        invoice = order_key(channel.name, order.external_id)
        required = required_keys(order, channel.name, point)
        for key in required:
            if _live(docs, key) or key in covered:
                continue
            daily = key == invoice and policy.summary is SummaryMode.DAILY
            if daily and invoice_date(order, point, today) >= today:
                continue  # its day is not over: the summary is not due yet
            was = docs.get(key)
            why = "never made" if was is None else f"{was.status.value} since"
            if was is not None and reversal_key(key) in docs:
                why = "reversed since"
            kind = _required_kind(order, key == invoice)
            gaps.append(
                Gap(
                    int(order.id or 0),
                    key,
                    "missing",
                    kind,
                    order.currency,
                    None,
                    f"{order.label} ({_state(order)}) requires its {kind}: {why}",
                )
            )
        old = docs.get(invoice)
        void = no_longer_owed(order) and old is not None and old.kind in _INVOICES
        if void and _live(docs, invoice):
            assert old is not None
            gaps.append(
                Gap(
                    int(order.id or 0),
                    invoice,
                    "void",
                    old.kind.value,
                    old.currency,
                    old.total.amount if old.lines else None,
                    f"{order.label} ({_state(order)}) no longer owes its "
                    f"{old.kind.value} ({old.status.value})",
                )
            )
    return gaps


def _live(docs: dict[str, Document], key: str) -> bool:
    """Made, not voided in the hub, and not undone by a reversal."""
    doc = docs.get(key)
    if doc is None or doc.status is DocumentStatus.VOIDED:
        return False
    undo = docs.get(reversal_key(key))
    return undo is None or undo.status is DocumentStatus.VOIDED


def _required_kind(order: Order, invoice: bool) -> str:
    if not invoice:
        return DocumentKind.CREDIT_NOTE.value
    paid = captured(order)
    return (DocumentKind.SALES_RECEIPT if paid else DocumentKind.SALES_INVOICE).value


def _state(order: Order) -> str:
    money = order.financial_status.value if order.financial_status else "payment unknown"
    return f"{order.status.value}, {money}"


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None, "the books are always tenant-scoped"
    return uow.tenant_id
