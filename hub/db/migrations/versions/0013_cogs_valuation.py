"""cogs_valuation: moving-average cost per SKU, the value of each valued movement, and
the landed costs of receipts

Revision ID: 0013_cogs_valuation
Revises: 0011_books_connections
Create Date: 2026-12-05 08:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0013_cogs_valuation"
# Needs only stock_movements and skus: one more head for the lead to merge.
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DECIMAL = hub.db.types.ExactDecimal()
UTC = hub.db.types.UTCDateTime()


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "sku_costs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("lot_code", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value", DECIMAL, nullable=False),
        sa.Column("unit_cost", DECIMAL, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("sku_costs", "tenant_id", "tenants"),
        _fk("sku_costs", "sku_id", "skus"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku_costs")),
        sa.UniqueConstraint("sku_id", "lot_code", name="uq_sku_costs_sku_lot"),
    )
    op.create_index(op.f("ix_sku_costs_tenant_id"), "sku_costs", ["tenant_id"], unique=False)
    op.create_table(
        "movement_costs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("movement_id", ID, nullable=True),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("lot_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("value", DECIMAL, nullable=True),
        sa.Column("unit_cost", DECIMAL, nullable=True),
        sa.Column("missing", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("movement_costs", "tenant_id", "tenants"),
        _fk("movement_costs", "movement_id", "stock_movements"),
        _fk("movement_costs", "sku_id", "skus"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movement_costs")),
        sa.UniqueConstraint("movement_id", name="uq_movement_costs_movement"),
    )
    op.create_index(
        op.f("ix_movement_costs_tenant_id"), "movement_costs", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_movement_costs_tenant_created",
        "movement_costs",
        ["tenant_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "receipt_landed_costs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("receipt_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("amount", DECIMAL, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _fk("receipt_landed_costs", "tenant_id", "tenants"),
        _fk("receipt_landed_costs", "receipt_id", "receipts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_landed_costs")),
    )
    for column in ("tenant_id", "receipt_id"):
        op.create_index(
            op.f(f"ix_receipt_landed_costs_{column}"),
            "receipt_landed_costs",
            [column],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("receipt_landed_costs")
    op.drop_table("movement_costs")
    op.drop_table("sku_costs")
