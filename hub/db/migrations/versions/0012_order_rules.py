"""order rules: where each review rule stands for each order (held, or released by an
operator and never holding that order again)

Revision ID: 0012_order_rules
Revises: 0011_books_connections
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_order_rules"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_rule_states",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("order_id", ID, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("changed_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "rule", name="uq_order_rule_states_order_rule"),
        sa.CheckConstraint(
            "state IN ('held', 'released')", name=op.f("ck_order_rule_states_state_known")
        ),
    )


def downgrade() -> None:
    op.drop_table("order_rule_states")
