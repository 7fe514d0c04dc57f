"""Tables of channel payouts pulled from the platforms: the payout, its itemised lines,
and the bank statement line it is expected to land as (matched when one is imported)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from hub.db.tables import metadata
from hub.db.types import EnumText, ExactDecimal, Id, UTCDateTime
from hub.domain.settlements import LineKind


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, nullable: bool = False) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=nullable, index=True)


settlements = Table(
    "settlements",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    _fk("channel_id", "channels.id"),
    Column("external_id", String(200), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("net", ExactDecimal(), nullable=False),
    Column("status", String(40), nullable=False),
    Column("settled", Boolean, nullable=False),
    Column("gateway", String(100), nullable=True),
    Column("bank_reference", String(200), nullable=False, default=""),
    # The platform's records exactly as received (payout + its transactions / events).
    Column("raw", JSON, nullable=False),
    Column("bank_line_id", Id, ForeignKey("bank_lines.id"), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "external_id", name="uq_settlements_channel_external"),
)

settlement_lines = Table(
    "settlement_lines",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    _fk("settlement_id", "settlements.id"),
    Column("position", Integer, nullable=False),
    Column("kind", EnumText(LineKind), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("order_external_id", String(200), nullable=True, index=True),
    Column("fee_type", String(100), nullable=True),
    Column("reference", String(200), nullable=False, default=""),
    Column("description", String(300), nullable=False, default=""),
)

# A bank statement line, imported or (until one is) only expected.
bank_lines = Table(
    "bank_lines",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    Column("account", String(100), nullable=False),  # the statement's account id / IBAN
    Column("booked_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("reference", String(300), nullable=False, default=""),
    Column("fingerprint", String(64), nullable=False),  # same line imported twice: one row
    Column("imported_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "fingerprint", name="uq_bank_lines_fingerprint"),
)
