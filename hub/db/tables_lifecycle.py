"""What the order-change path applied beyond the order's own rows: each refunded line's
restock, done or held for an operator (hub.services.order_changes).

Core table only; one row per (order, refund, line) makes a restock happen exactly once,
whichever update (poll, webhook, sweep, replay) carries the refund.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from hub.db.tables import metadata
from hub.db.types import Id, UTCDateTime

__all__ = ["RESTOCK_DONE", "RESTOCK_HELD", "order_restocks"]

RESTOCK_DONE = "done"  # the units went back (or the reservation was released)
RESTOCK_HELD = "held"  # waiting for an operator: the platform named no known location

order_restocks = Table(
    "order_restocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("refund_key", String(255), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("location", String(255), nullable=True),  # as the platform named it
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("error_id", Id, nullable=True),  # the error-queue entry of a held restock
    Column("created_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime(), nullable=True),
    UniqueConstraint(
        "order_id", "refund_key", "order_line_id", name="uq_order_restocks_refund_line"
    ),
)
