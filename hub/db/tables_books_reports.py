"""Tables of the finance reports: payment terms per channel or supplier (the due date of
an aged receivable or payable), and supplier payments (the hub records none of its own:
a bill is marked paid, in part or whole, by `hub books bill-paid`)."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from hub.db.tables import metadata
from hub.db.tables_accounting import accounting_documents
from hub.db.types import ExactDecimal, Id, UTCDateTime

__all__ = ["payment_terms", "supplier_payments"]

# Days from a document's date to its due date; no row: due on the document's date.
payment_terms = Table(
    "payment_terms",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("party_kind", String(16), nullable=False),  # "channel" or "supplier"
    Column("party", String(200), nullable=False),  # channel name or supplier code
    Column("days", Integer, nullable=False),
    UniqueConstraint("tenant_id", "party_kind", "party", name="uq_payment_terms_party"),
)

supplier_payments = Table(
    "supplier_payments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column(
        "connection_id", Id, ForeignKey("accounting_connections.id"), nullable=False, index=True
    ),
    Column("document_key", String(300), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("reference", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_supplier_payments_bill", "connection_id", "document_key"),
)

# The aged receivables find a payout's journal by its tag (one probe per open document).
Index(
    "ix_accounting_documents_payout",
    accounting_documents.c.connection_id,
    accounting_documents.c.payout,
)
