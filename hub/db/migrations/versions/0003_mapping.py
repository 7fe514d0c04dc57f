"""mapping: bundles, status overrides, accounting mappings; FX and listing on orders

Revision ID: 0003_mapping
Revises: 0001
Create Date: 2026-11-22 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0003_mapping"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", ID, autoincrement=True, nullable=False)


def _ref(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, ID, nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "bundle_components",
        _id(),
        _ref("tenant_id"),
        _ref("bundle_sku_id", nullable=True),
        _ref("listing_id", nullable=True),
        _ref("component_sku_id"),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bundle_components_quantity_positive")),
        sa.CheckConstraint(
            "(bundle_sku_id IS NULL) <> (listing_id IS NULL)",
            name=op.f("ck_bundle_components_one_bundle_owner"),
        ),
        _fk("bundle_components", "tenant_id", "tenants"),
        _fk("bundle_components", "bundle_sku_id", "skus"),
        _fk("bundle_components", "listing_id", "listings"),
        _fk("bundle_components", "component_sku_id", "skus"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_components")),
        sa.UniqueConstraint("bundle_sku_id", "component_sku_id", name="uq_bundle_components_sku"),
        sa.UniqueConstraint("listing_id", "component_sku_id", name="uq_bundle_components_listing"),
    )
    _indexes("bundle_components", "tenant_id", "bundle_sku_id", "listing_id", "component_sku_id")

    op.create_table(
        "status_overrides",
        _id(),
        _ref("tenant_id"),
        _ref("channel_id"),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        _fk("status_overrides", "tenant_id", "tenants"),
        _fk("status_overrides", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_overrides")),
        sa.UniqueConstraint("channel_id", "field", "value", name="uq_status_overrides_rule"),
    )
    _indexes("status_overrides", "tenant_id", "channel_id")

    op.create_table(
        "accounting_connections",
        _id(),
        _ref("tenant_id"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        _fk("accounting_connections", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_connections")),
        sa.UniqueConstraint("tenant_id", "name", name="uq_accounting_connections_name"),
    )
    _indexes("accounting_connections", "tenant_id")

    op.create_table(
        "account_mappings",
        _id(),
        _ref("tenant_id"),
        _ref("connection_id"),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("account_code", sa.String(length=100), nullable=False),
        _fk("account_mappings", "tenant_id", "tenants"),
        _fk("account_mappings", "connection_id", "accounting_connections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_mappings")),
        sa.UniqueConstraint("connection_id", "role", "scope", name="uq_account_mappings_role"),
    )
    _indexes("account_mappings", "tenant_id", "connection_id")

    op.create_table(
        "tax_code_mappings",
        _id(),
        _ref("tenant_id"),
        _ref("connection_id"),
        _ref("channel_id", nullable=True),
        sa.Column("channel_tax", sa.String(length=200), nullable=False),
        sa.Column("tax_code", sa.String(length=100), nullable=False),
        sa.Column("inclusive", sa.Boolean(), nullable=False),
        _fk("tax_code_mappings", "tenant_id", "tenants"),
        _fk("tax_code_mappings", "connection_id", "accounting_connections"),
        _fk("tax_code_mappings", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_code_mappings")),
    )
    _indexes("tax_code_mappings", "tenant_id", "connection_id")
    with op.batch_alter_table("tax_code_mappings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tax_code_mappings_lookup", ["connection_id", "channel_tax"], unique=False
        )

    op.create_table(
        "party_rules",
        _id(),
        _ref("tenant_id"),
        _ref("connection_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("match", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        _fk("party_rules", "tenant_id", "tenants"),
        _fk("party_rules", "connection_id", "accounting_connections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_rules")),
        sa.UniqueConstraint("connection_id", "kind", "match", name="uq_party_rules_match"),
    )
    _indexes("party_rules", "tenant_id", "connection_id")

    # Presentment vs shop currency: the rate between them and where it came from.
    # Plain ADD COLUMN on both databases (batch mode adds nullable columns in place on SQLite).
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fx_rate", hub.db.types.ExactDecimal(), nullable=True))
        batch_op.add_column(sa.Column("fx_source", sa.String(length=100), nullable=True))
        # The status a hold returns to (an unpaid order held for an unmapped SKU goes
        # back to review, not straight to allocation).
        batch_op.add_column(sa.Column("resume_status", sa.String(length=32), nullable=True))
    # Which listing resolved a line: bundle listings resolve without a single SKU.
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "listing_id",
                ID,
                sa.ForeignKey("listings.id", name=op.f("fk_order_lines_listing_id_listings")),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("listing_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("resume_status")
        batch_op.drop_column("fx_source")
        batch_op.drop_column("fx_rate")
    for table in (
        "party_rules",
        "tax_code_mappings",
        "account_mappings",
        "accounting_connections",
        "status_overrides",
        "bundle_components",
    ):
        op.drop_table(table)
