"""allocation: channel policies and warehouses, backorders, fulfilments, review flags,
published available-to-sell versions, and the generic transactional outbox

Revision ID: 0002_allocation
Revises: 0001
Create Date: 2026-11-22 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0002_allocation"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_allocation_policies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("split_policy", sa.String(length=32), nullable=False),
        sa.Column("shortfall_policy", sa.String(length=32), nullable=False),
        sa.Column("buffer", sa.Integer(), nullable=False),
        sa.Column("share", hub.db.types.ExactDecimal(), nullable=False),
        sa.Column("max_to_list", sa.Integer(), nullable=True),
        sa.Column("end_when", sa.Integer(), nullable=False),
        sa.Column("review_over_amount", hub.db.types.ExactDecimal(), nullable=True),
        sa.Column("review_missing_country", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "buffer >= 0", name=op.f("ck_channel_allocation_policies_buffer_not_negative")
        ),
        sa.CheckConstraint(
            "end_when >= 0", name=op.f("ck_channel_allocation_policies_end_when_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_allocation_policies_channel_id_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_channel_allocation_policies_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_allocation_policies")),
        sa.UniqueConstraint("channel_id", name="uq_channel_allocation_policies_channel"),
    )
    op.create_index(
        op.f("ix_channel_allocation_policies_tenant_id"),
        "channel_allocation_policies",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "channel_warehouses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "warehouse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_warehouses_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_channel_warehouses_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_channel_warehouses_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_warehouses")),
        sa.UniqueConstraint("channel_id", "warehouse_id", name="uq_channel_warehouses_channel_wh"),
    )
    op.create_index(
        op.f("ix_channel_warehouses_tenant_id"), "channel_warehouses", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_channel_warehouses_warehouse_id"),
        "channel_warehouses",
        ["warehouse_id"],
        unique=False,
    )
    op.create_table(
        "backorders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "order_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_backorders_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_backorders_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_backorders_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_backorders_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorders")),
        sa.UniqueConstraint("order_line_id", name="uq_backorders_order_line"),
    )
    op.create_index(op.f("ix_backorders_sku_id"), "backorders", ["sku_id"], unique=False)
    op.create_index(op.f("ix_backorders_tenant_id"), "backorders", ["tenant_id"], unique=False)
    op.create_table(
        "line_fulfilments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "order_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "warehouse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lot_code", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "reservation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('shipment', 'return')", name=op.f("ck_line_fulfilments_kind_known")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_line_fulfilments_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_line_fulfilments_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_line_fulfilments_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_line_fulfilments_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_line_fulfilments_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_fulfilments")),
    )
    op.create_index(
        op.f("ix_line_fulfilments_order_line_id"),
        "line_fulfilments",
        ["order_line_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_line_fulfilments_tenant_id"), "line_fulfilments", ["tenant_id"], unique=False
    )
    op.create_table(
        "flagged_customers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_flagged_customers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flagged_customers")),
        sa.UniqueConstraint("tenant_id", "email", name="uq_flagged_customers_tenant_email"),
    )
    op.create_index(
        op.f("ix_flagged_customers_tenant_id"), "flagged_customers", ["tenant_id"], unique=False
    )
    op.create_table(
        "channel_stock_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "channel_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sku_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_stock_versions_channel_id_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_channel_stock_versions_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_channel_stock_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_stock_versions")),
        sa.UniqueConstraint("channel_id", "sku_id", name="uq_channel_stock_versions_channel_sku"),
    )
    op.create_index(
        op.f("ix_channel_stock_versions_tenant_id"),
        "channel_stock_versions",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "outbox_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    op.create_index(
        "ix_outbox_events_pending", "outbox_events", ["delivered_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_events_tenant_id"), "outbox_events", ["tenant_id"], unique=False
    )
    op.create_index("ix_outbox_events_topic_key", "outbox_events", ["topic", "key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_events_pending", table_name="outbox_events")
    op.drop_index(op.f("ix_outbox_events_tenant_id"), table_name="outbox_events")
    op.drop_index("ix_outbox_events_topic_key", table_name="outbox_events")
    op.drop_table("outbox_events")
    op.drop_index(op.f("ix_channel_stock_versions_tenant_id"), table_name="channel_stock_versions")
    op.drop_table("channel_stock_versions")
    op.drop_index(op.f("ix_flagged_customers_tenant_id"), table_name="flagged_customers")
    op.drop_table("flagged_customers")
    op.drop_index(op.f("ix_line_fulfilments_order_line_id"), table_name="line_fulfilments")
    op.drop_index(op.f("ix_line_fulfilments_tenant_id"), table_name="line_fulfilments")
    op.drop_table("line_fulfilments")
    op.drop_index(op.f("ix_backorders_sku_id"), table_name="backorders")
    op.drop_index(op.f("ix_backorders_tenant_id"), table_name="backorders")
    op.drop_table("backorders")
    op.drop_index(op.f("ix_channel_warehouses_tenant_id"), table_name="channel_warehouses")
    op.drop_index(op.f("ix_channel_warehouses_warehouse_id"), table_name="channel_warehouses")
    op.drop_table("channel_warehouses")
    op.drop_index(
        op.f("ix_channel_allocation_policies_tenant_id"), table_name="channel_allocation_policies"
    )
    op.drop_table("channel_allocation_policies")
