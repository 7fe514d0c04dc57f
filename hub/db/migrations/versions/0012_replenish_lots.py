"""replenish lots: per-channel backorder priority, lot notices given (near expiry,
expired), an index to find lots by expiry date, and a partial index of backordered
orders in fill order

Revision ID: 0012_replenish_lots
Revises: 0011_books_connections
Create Date: 2026-12-05 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_replenish_lots"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("orders.status IN ('backordered', 'partially_allocated', 'partially_shipped')")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _head() -> list[sa.Column[int]]:
    return [
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "backorder_priorities",
        *_head(),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id"), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.UniqueConstraint("channel_id", name="uq_backorder_priorities_channel"),
    )
    op.create_table(
        "lot_alerts",
        *_head(),
        sa.Column("lot_id", ID, sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("warehouse_id", ID, sa.ForeignKey("warehouses.id"), nullable=False),
        sa.Column("threshold_days", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "lot_id", "warehouse_id", "threshold_days", name="uq_lot_alerts_lot_wh_threshold"
        ),
        sa.CheckConstraint(
            "threshold_days >= 0", name=op.f("ck_lot_alerts_threshold_not_negative")
        ),
    )
    op.create_table(
        "lot_expiries",
        *_head(),
        sa.Column("lot_id", ID, sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("published_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("lot_id", name="uq_lot_expiries_lot"),
    )
    for table in ("backorder_priorities", "lot_alerts", "lot_expiries"):
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
    # The upkeep and the near-expiry report find lots by date, not by scanning them all.
    # IF NOT EXISTS: on a big PostgreSQL database an operator builds these first with
    # CREATE INDEX CONCURRENTLY (no write lock), and the migration then skips them.
    op.create_index(
        "ix_lots_tenant_expires", "lots", ["tenant_id", "expires_on"], if_not_exists=True
    )
    # Backordered orders in fill order (placed_at, id): a fill reads a page of this
    # partial index, not every backorder of the SKU (hub/db/backorder_rows.py).
    op.create_index(
        "ix_orders_backordered",
        "orders",
        ["tenant_id", "placed_at", "id"],
        postgresql_where=WAITING,
        sqlite_where=WAITING,
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_backordered", "orders")
    op.drop_index("ix_lots_tenant_expires", "lots")
    for table in ("lot_expiries", "lot_alerts", "backorder_priorities"):
        op.drop_index(f"ix_{table}_tenant_id", table)
        op.drop_table(table)
