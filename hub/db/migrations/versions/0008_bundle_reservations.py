"""bundle reservations: one reservation row per (line, SKU, warehouse, lot); listing figures

A bundle line reserves several component SKUs, possibly in the same warehouse and lot, so
the reservations' unique key gains the SKU. Bundle *listings* (no SKU of their own) get
their published figure and version in `listing_stock_versions`.

Revision ID: 0008_bundle_reservations
Revises: 0002_allocation, 0003_mapping
Create Date: 2026-11-22 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_bundle_reservations"
down_revision: str | Sequence[str] | None = ("0002_allocation", "0003_mapping")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reservations_line_wh_lot", type_="unique")
        batch_op.create_unique_constraint(
            "uq_reservations_line_sku_wh_lot",
            ["order_line_id", "sku_id", "warehouse_id", "lot_code"],
        )
    op.create_table(
        "listing_stock_versions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("listing_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_listing_stock_versions_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_listing_stock_versions_channel_id_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_stock_versions_listing_id_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_stock_versions")),
        sa.UniqueConstraint("listing_id", name="uq_listing_stock_versions_listing"),
    )
    with op.batch_alter_table("listing_stock_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_stock_versions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listing_stock_versions_channel_id"), ["channel_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("listing_stock_versions")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reservations_line_sku_wh_lot", type_="unique")
        batch_op.create_unique_constraint(
            "uq_reservations_line_wh_lot", ["order_line_id", "warehouse_id", "lot_code"]
        )
