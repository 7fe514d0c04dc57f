"""Which documents an order's current state requires: the books follow the order's life,
not its first arrival (DESIGN invariant 9).

- The invoice (a receipt when paid) once the order is invoiceable: captured money under
  the "payment" posting point; shipped (or paid and refunded) under "shipment".
- One credit note per refund, whenever it arrives, with or without a platform id.
- Nothing for an order cancelled before capture; an invoice it no longer owes is voided
  (in the hub only while it never reached the books, else by a reversal document).
"""

from __future__ import annotations

from datetime import date

from hub.domain.document_builders import credit_note_key, order_key
from hub.domain.documents import Document, DocumentKind, EntryLine, PostingPoint
from hub.domain.orders import FinancialStatus, Order, OrderStatus

__all__ = [
    "POSTING_POINT_SETTING",
    "REVERSAL_SUFFIX",
    "captured",
    "channel_posting_point",
    "credit_note_key",
    "invoice_date",
    "invoice_due",
    "no_longer_owed",
    "required_keys",
    "reversal",
    "reversal_key",
    "reversed_key",
]

# Where a channel's own posting point lives in its settings (absent: the connection's).
POSTING_POINT_SETTING = "books_posting_point"
REVERSAL_SUFFIX = ":void"

S = OrderStatus
_SHIPPED = frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.COMPLETED})


def channel_posting_point(settings: dict[str, object], default: PostingPoint) -> PostingPoint:
    value = settings.get(POSTING_POINT_SETTING)
    return PostingPoint(str(value)) if value else default


def captured(order: Order) -> bool:
    """Money was taken: a payment is recorded and the platform has not voided it."""
    return bool(order.payments) and order.financial_status is not FinancialStatus.VOIDED


def no_longer_owed(order: Order) -> bool:
    """Cancelled before capture, or its payment voided by the platform: an invoice made for
    it is void. (An order merely not due yet, say after the posting point moved to
    dispatch, keeps what it has.)"""
    if captured(order):
        return False
    return order.status is S.CANCELLED or order.financial_status is FinancialStatus.VOIDED


def invoice_due(order: Order, point: PostingPoint) -> bool:
    paid = captured(order)
    if order.status is S.CANCELLED and not paid:
        return False  # cancelled before capture: nothing was ever owed
    if point is PostingPoint.PAYMENT:
        return paid
    return order.status in _SHIPPED or (order.status is S.REFUNDED and paid)


def invoice_date(order: Order, point: PostingPoint, today: date) -> date:
    """The payment's day under "payment" (the first payment's, else placed), else today
    (the day the hub saw the dispatch)."""
    if point is PostingPoint.PAYMENT and captured(order):
        return (order.payments[0].processed_at or order.placed_at).date()
    return today


def required_keys(order: Order, channel: str, point: PostingPoint) -> list[str]:
    """The keys of every per-order document the order's current state calls for."""
    if not invoice_due(order, point):
        return []
    return [order_key(channel, order.external_id)] + [
        credit_note_key(channel, order, r) for r in order.refunds if r.amount.amount
    ]


def reversal_key(key: str) -> str:
    return key + REVERSAL_SUFFIX


def reversed_key(key: str) -> str | None:
    """The key of the document a reversal undoes; None for any other key."""
    return key[: -len(REVERSAL_SUFFIX)] if key.endswith(REVERSAL_SUFFIX) else None


def reversal(original: Document, on: date) -> Document:
    """Every line of `original` with its sign turned, dated `on`. The counter line (the
    clearing debit a sales document opens with) goes last, where credit notes keep it, so
    books that book the counter side themselves (Xero) read it as a credit note."""
    lines = [EntryLine(ln.account, -ln.amount, ln.tax_code, ln.memo) for ln in original.lines]
    if original.kind in (DocumentKind.SALES_RECEIPT, DocumentKind.SALES_INVOICE) and lines:
        lines = lines[1:] + lines[:1]
    doc = Document(
        tenant_id=original.tenant_id,
        connection_id=original.connection_id,
        kind=DocumentKind.REVERSAL,
        key=reversal_key(original.key),
        date=on,
        currency=original.currency,
        lines=lines,
        party=original.party,
        source=original.source,
        fx_rate=original.fx_rate,
        fx_source=original.fx_source,
    )
    doc.check_balanced()
    return doc
