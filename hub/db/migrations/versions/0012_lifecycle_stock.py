"""lifecycle stock: units that will never ship, and each refund line's restock

Revision ID: 0012_lifecycle_stock
Revises: 0011_books_connections
Create Date: 2026-12-05 07:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_lifecycle_stock"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(
            sa.Column("quantity_cancelled", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "order_restocks",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("order_id", ID, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("refund_key", sa.String(255), nullable=False),
        sa.Column("order_line_id", ID, sa.ForeignKey("order_lines.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(255), nullable=True),
        sa.Column("warehouse_id", ID, sa.ForeignKey("warehouses.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error_id", ID, nullable=True),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "order_id", "refund_key", "order_line_id", name="uq_order_restocks_refund_line"
        ),
    )
    op.create_index("ix_order_restocks_tenant_id", "order_restocks", ["tenant_id"])
    op.create_index("ix_order_restocks_order_id", "order_restocks", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_restocks_order_id", "order_restocks")
    op.drop_index("ix_order_restocks_tenant_id", "order_restocks")
    op.drop_table("order_restocks")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("quantity_cancelled")
