"""Tables of the allocator (issue 3) and the generic outbox, on the shared metadata.

Core tables only: the allocation hot path reads and writes them with SQLAlchemy Core.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.db.tables import metadata
from hub.db.types import EnumText as Enum
from hub.db.types import ExactDecimal, Id, UTCDateTime
from hub.domain.allocation import ShortfallPolicy, SplitPolicy, Strategy


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _tenant() -> Column[int]:
    return Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True)


def _fk(name: str, target: str, index: bool = False) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=False, index=index)


channel_allocation_policies = Table(
    "channel_allocation_policies",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    Column("strategy", Enum(Strategy), nullable=False),
    Column("split_policy", Enum(SplitPolicy), nullable=False),
    Column("shortfall_policy", Enum(ShortfallPolicy), nullable=False),
    Column("buffer", Integer, nullable=False, default=0),
    Column("share", ExactDecimal(), nullable=False),
    Column("max_to_list", Integer, nullable=True),
    Column("end_when", Integer, nullable=False, default=0),
    Column("review_over_amount", ExactDecimal(), nullable=True),
    Column("review_missing_country", Boolean, nullable=False, default=True),
    UniqueConstraint("channel_id", name="uq_channel_allocation_policies_channel"),
    CheckConstraint("buffer >= 0", name="buffer_not_negative"),
    CheckConstraint("end_when >= 0", name="end_when_not_negative"),
)

# Which warehouses a channel sells from, in the channel's order of preference.
channel_warehouses = Table(
    "channel_warehouses",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    _fk("warehouse_id", "warehouses.id", index=True),
    Column("rank", Integer, nullable=False, default=0),
    UniqueConstraint("channel_id", "warehouse_id", name="uq_channel_warehouses_channel_wh"),
)

# A line's units that could not be reserved. Never negative stock: an explicit row.
backorders = Table(
    "backorders",
    metadata,
    _id(),
    _tenant(),
    _fk("order_line_id", "order_lines.id"),
    _fk("sku_id", "skus.id", index=True),
    Column("quantity", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("order_line_id", name="uq_backorders_order_line"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# What left (shipment) and came back (return) per order line, for returns and velocity.
line_fulfilments = Table(
    "line_fulfilments",
    metadata,
    _id(),
    _tenant(),
    _fk("order_line_id", "order_lines.id", index=True),
    Column("kind", String(16), nullable=False),
    _fk("warehouse_id", "warehouses.id"),
    _fk("sku_id", "skus.id"),
    Column("lot_code", String(64), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    Column("reservation_id", Id, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("kind IN ('shipment', 'return')", name="kind_known"),
)

flagged_customers = Table(
    "flagged_customers",
    metadata,
    _id(),
    _tenant(),
    Column("email", String(320), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    UniqueConstraint("tenant_id", "email", name="uq_flagged_customers_tenant_email"),
)

# The last available-to-sell figure published per (channel, SKU) and its version. The
# row is locked before the figure is computed, so concurrent changes publish in order.
channel_stock_versions = Table(
    "channel_stock_versions",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    _fk("sku_id", "skus.id"),
    Column("version", Integer, nullable=False),
    Column("available", Integer, nullable=False),
    UniqueConstraint("channel_id", "sku_id", name="uq_channel_stock_versions_channel_sku"),
)

# The published figure of a bundle listing (a channel listing made of SKUs, with no SKU of
# its own): same role as channel_stock_versions, keyed by the listing.
listing_stock_versions = Table(
    "listing_stock_versions",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    _fk("listing_id", "listings.id", index=False),
    Column("version", Integer, nullable=False),
    Column("available", Integer, nullable=False),
    UniqueConstraint("listing_id", name="uq_listing_stock_versions_listing"),
)

# Generic transactional outbox: written in the same transaction as the state change,
# delivered later by a relay (sync engine) that sets delivered_at. See docs/allocation.md.
outbox_events = Table(
    "outbox_events",
    metadata,
    _id(),
    _tenant(),
    Column("topic", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_outbox_events_pending", "delivered_at", "id"),
    Index("ix_outbox_events_topic_key", "topic", "key"),
    Index("ix_outbox_events_created", "created_at"),  # 0010_list_indexes: retention
)
