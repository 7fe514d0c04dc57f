"""invoice hold index: the overview's count of orders held from invoicing reads a partial
index of the held ones (a handful) instead of scanning every order of the tenant

Without it, the dashboard overview at 1M orders read the whole orders table for a count
that is usually 0 (bench/scale.py, `overview`).

Revision ID: 0012_invoice_hold_index
Revises: 0010_order_v2 (which adds the column)
Create Date: 2026-12-05 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_invoice_hold_index"
down_revision: str | Sequence[str] | None = "0010_order_v2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text("invoice_hold IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_orders_invoice_held",
        "orders",
        ["tenant_id"],
        postgresql_where=HELD,
        sqlite_where=HELD,
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_orders_invoice_held", table_name="orders", if_exists=True)
