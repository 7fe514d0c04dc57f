"""Set-based queries behind the aged receivables and payables. Each reads the documents
still open on the as-of date through an index, so its cost follows the open set, not the
history: receivables are the order documents no payout has tagged yet (index on
connection and payout) plus those whose payout's journal is dated after the as-of date
(journals by connection and date, then the same index). The same SQL runs on SQLite and
PostgreSQL; amounts are summed in Python (SQLite keeps them as text)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from hub.db import tables as t
from hub.db.tables_accounting import accounting_documents
from hub.db.tables_books_reports import payment_terms, supplier_payments
from hub.domain.documents import DocumentKind, DocumentStatus
from hub.domain.order_documents import REVERSAL_SUFFIX

__all__ = ["bill_payments", "open_bills", "open_receivables"]

D = accounting_documents.c
K = DocumentKind
_RECEIVABLE = (K.SALES_RECEIPT, K.SALES_INVOICE, K.CREDIT_NOTE)
_NOT_LIVE = (DocumentStatus.VOIDED, DocumentStatus.HELD)


def _live(doc: Any, tenant_id: int, connection_id: int, as_of: date) -> Any:
    return and_(
        doc.c.tenant_id == tenant_id,
        doc.c.connection_id == connection_id,
        doc.c.date <= as_of,
        doc.c.status.not_in(_NOT_LIVE),
    )


def open_receivables(tenant_id: int, connection_id: int, as_of: date) -> CompoundSelect[Any]:
    """(key, kind, date, currency, lines, party, fx_rate, channel, terms days) of every
    receipt, invoice and credit note dated by `as_of` that is still open then: no payout
    has tagged it, or its payout's journal is dated after `as_of` (not received by then),
    and no reversal of it is dated by then (a reversal nets its original to zero, as Xero
    allocates the credit note). Two halves, each an equality on the index on
    (connection, payout), so the planner reads the open documents, never the history (as
    one OR, SQLite walked the date index over every document up to the date)."""
    journal = aliased(accounting_documents, name="journal")
    doc = aliased(accounting_documents, name="doc")
    paid_later = select(journal.c.payout).where(
        journal.c.tenant_id == tenant_id,
        journal.c.connection_id == connection_id,
        journal.c.kind == K.PAYOUT,
        journal.c.date > as_of,
        journal.c.payout.is_not(None),
    )
    reversal = aliased(accounting_documents, name="reversal")
    reversed_by_then = exists().where(
        reversal.c.connection_id == connection_id,
        reversal.c.key == doc.c.key + REVERSAL_SUFFIX,
        reversal.c.kind == K.REVERSAL,
        reversal.c.date <= as_of,
        reversal.c.status != DocumentStatus.VOIDED,
    )
    c, pt = t.channels.c, payment_terms.c
    # The channel is the key's first part ("shop:order:1001", "shop:daily:2026-11-02:USD").
    prefix = func.substr(doc.c.key, 1, func.length(c.name) + 1) == c.name + literal(":")

    def half(open_by_tag: Any) -> Select[Any]:
        return (
            select(
                doc.c.key,
                doc.c.kind,
                doc.c.date,
                doc.c.currency,
                doc.c.lines,
                doc.c.party,
                doc.c.fx_rate,
                c.name.label("channel"),
                func.coalesce(pt.days, 0).label("terms"),
            )
            .select_from(doc)
            .outerjoin(t.channels, and_(c.tenant_id == tenant_id, prefix))
            .outerjoin(
                payment_terms,
                and_(pt.tenant_id == tenant_id, pt.party_kind == "channel", pt.party == c.name),
            )
            .where(
                doc.c.connection_id == connection_id,
                # Not index terms: without statistics SQLite would walk the date or the
                # tenant index over the whole history instead of (connection, payout).
                func.coalesce(doc.c.tenant_id, doc.c.tenant_id) == tenant_id,
                func.coalesce(doc.c.date, doc.c.date) <= as_of,
                doc.c.status.not_in(_NOT_LIVE),
                open_by_tag,
                doc.c.kind.in_(_RECEIVABLE),
                ~reversed_by_then,
            )
        )

    return union_all(half(doc.c.payout.is_(None)), half(doc.c.payout.in_(paid_later)))


def open_bills(tenant_id: int, connection_id: int, as_of: date) -> Select[Any]:
    """(key, date, currency, total, party, fx_rate, supplier code, terms days) of every
    supplier bill dated by `as_of`; payments are read apart (bill_payments). Bills are
    few (one per purchase receipt), so these read them all up to the date."""
    r, po, s, pt = t.receipts.c, t.purchase_orders.c, t.suppliers.c, payment_terms.c
    doc = accounting_documents
    return (
        select(
            D.key,
            D.date,
            D.currency,
            D.total,
            D.party,
            D.fx_rate,
            s.code.label("supplier"),
            func.coalesce(pt.days, 0).label("terms"),
        )
        .select_from(doc)
        .outerjoin(
            t.receipts,
            and_(r.tenant_id == tenant_id, D.source == literal("receipt:") + cast(r.id, String)),
        )
        .outerjoin(t.purchase_orders, po.id == r.purchase_order_id)
        .outerjoin(t.suppliers, s.id == po.supplier_id)
        .outerjoin(
            payment_terms,
            and_(pt.tenant_id == tenant_id, pt.party_kind == "supplier", pt.party == s.code),
        )
        .where(_live(doc, tenant_id, connection_id, as_of), D.kind == K.SUPPLIER_BILL)
        .order_by(D.date, D.key)
    )


def bill_payments(tenant_id: int, connection_id: int, as_of: date) -> Select[Any]:
    """(bill key, amount) of the payments made to suppliers on or before `as_of`."""
    p = supplier_payments.c
    return select(p.document_key, p.amount).where(
        p.tenant_id == tenant_id, p.connection_id == connection_id, p.paid_on <= as_of
    )
