"""Tables of the accounting issue (7): posting policies, documents, payouts. Core only:
documents are read and written in bulk by the posting and reconciliation services."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.db.tables import metadata
from hub.db.types import EnumText, ExactDecimal, Id, UTCDateTime
from hub.domain.documents import (
    DocumentKind,
    DocumentStatus,
    LockPolicy,
    PostingPoint,
    SummaryMode,
)


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, nullable: bool = False) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=nullable, index=True)


# How one accounting connection is posted to (one row per connection).
accounting_policies = Table(
    "accounting_policies",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    _fk("connection_id", "accounting_connections.id"),
    Column("home_currency", String(3), nullable=False),
    # Currencies the books can hold; a document in any other one is held.
    Column("currencies", JSON, nullable=False, default=list),
    Column("bank_account", String(100), nullable=False),
    Column("posting_point", EnumText(PostingPoint), nullable=False),
    Column("lock_date", Date, nullable=True),  # books closed up to and including this date
    Column("lock_policy", EnumText(LockPolicy), nullable=False),
    Column("summary", EnumText(SummaryMode), nullable=False, default=SummaryMode.PER_ORDER),
    UniqueConstraint("connection_id", name="uq_accounting_policies_connection"),
)

accounting_documents = Table(
    "accounting_documents",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    _fk("connection_id", "accounting_connections.id"),
    Column("kind", EnumText(DocumentKind), nullable=False),
    Column("key", String(300), nullable=False),
    Column("date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", ExactDecimal(), nullable=False),
    Column("lines", JSON, nullable=False),  # [{account, amount, tax_code, memo}]
    Column("party", String(300), nullable=False, default=""),
    Column("source", String(200), nullable=False, default=""),
    Column("payout", String(300), nullable=True),
    # A rate keeps all its digits (NUMERIC(24, 6) would cut 1.08695652): stored as text.
    Column("fx_rate", String(40), nullable=True),
    Column("fx_source", String(200), nullable=True),
    Column("status", EnumText(DocumentStatus), nullable=False),
    Column("hold_reason", Text, nullable=True),
    Column("flags", JSON, nullable=False, default=list),
    Column("external_id", String(200), nullable=True),
    Column("generation", Integer, nullable=False, default=1),
    Column("members", JSON, nullable=False, default=list),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("posted_at", UTCDateTime(), nullable=True),
    # A worker posting this document right now holds it until then (a lease: a worker
    # that dies mid-call blocks the document only until the lease runs out).
    Column("claimed_until", UTCDateTime(), nullable=True),
    UniqueConstraint("connection_id", "key", name="uq_accounting_documents_key"),
    Index("ix_accounting_documents_status", "connection_id", "status"),
    Index("ix_accounting_documents_date", "connection_id", "date"),
)

# A channel payout / settlement as reported by the channel.
payouts = Table(
    "payouts",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    _fk("channel_id", "channels.id"),
    Column("external_id", String(200), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net", ExactDecimal(), nullable=False),
    Column("fees", JSON, nullable=False, default=list),  # [{description, amount}]
    Column("orders", JSON, nullable=False, default=list),  # order external ids
    Column("refunds", JSON, nullable=False, default=list),  # refund external ids
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "external_id", name="uq_payouts_channel_external"),
)
