"""Replenishment and lots: which channel's backorders are filled first when stock
arrives, and which lot notices were already given (near expiry, expired).

Core tables only, kept apart from the allocator's tables: the fill loop and the daily
upkeep read and write them in small statements.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Table,
    UniqueConstraint,
    text,
)

from hub.db.tables import lots, metadata, orders
from hub.db.types import Id, UTCDateTime

__all__ = ["WAITING", "backorder_priorities", "lot_alerts", "lot_expiries"]

# The states of an order that can hold a backorder (hub.services.allocation_reconcile:
# a rejected order holds none). Literal SQL, not parameters: SQLite uses a partial index
# only when the query repeats its condition word for word.
WAITING = text("orders.status IN ('backordered', 'partially_allocated', 'partially_shipped')")

# A channel's backorder priority: higher is filled first; a channel without a row is 0.
backorder_priorities = Table(
    "backorder_priorities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=False),
    Column("priority", Integer, nullable=False),
    UniqueConstraint("channel_id", name="uq_backorder_priorities_channel"),
)

# One `lot.near_expiry` event per lot, warehouse and alert window: the row is written in
# the transaction that writes the event, so a rerun (or a second worker) sends nothing.
lot_alerts = Table(
    "lot_alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("lot_id", Id, ForeignKey("lots.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=False),
    Column("threshold_days", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint(
        "lot_id", "warehouse_id", "threshold_days", name="uq_lot_alerts_lot_wh_threshold"
    ),
    CheckConstraint("threshold_days >= 0", name="threshold_not_negative"),
)

# A lot whose expiry the figures already reflect: the upkeep republishes the figures of
# a lot's SKU once, on the first run after the lot expired, with no stock movement.
lot_expiries = Table(
    "lot_expiries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("lot_id", Id, ForeignKey("lots.id"), nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    UniqueConstraint("lot_id", name="uq_lot_expiries_lot"),
)

# The upkeep and the near-expiry report find lots by date (migration 0012_replenish_lots).
Index("ix_lots_tenant_expires", lots.c.tenant_id, lots.c.expires_on)

# Backordered orders in placed-at order: the fill walks this index and stops after a page,
# whatever the number of orders (or backorders) behind it (hub/db/backorder_rows.py).
Index(
    "ix_orders_backordered",
    orders.c.tenant_id,
    orders.c.placed_at,
    orders.c.id,
    postgresql_where=WAITING,
    sqlite_where=WAITING,
)
