"""listing push state: what each channel last accepted for a bundle listing

Bundle listings (no SKU of their own) are pushed by the relay from their own versioned
figures, so the relay keeps their push state per listing, and their delivery records
carry no SKU (push_deliveries.sku_id becomes nullable).

Revision ID: 0009_listing_push
Revises: 0005b_sync_reaper
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0009_listing_push"
down_revision: str | Sequence[str] | None = "0005b_sync_reaper"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "listing_push_state",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id"), nullable=False),
        sa.Column("listing_id", ID, sa.ForeignKey("listings.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("pushed_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("listing_id", name="uq_listing_push_state_listing"),
    )
    op.create_index("ix_listing_push_state_tenant_id", "listing_push_state", ["tenant_id"])
    with op.batch_alter_table("push_deliveries") as batch:
        batch.alter_column("sku_id", existing_type=ID, nullable=True)


def downgrade() -> None:
    # Records of bundle-listing pushes have no SKU and cannot survive the old schema.
    op.execute("DELETE FROM push_deliveries WHERE sku_id IS NULL")
    with op.batch_alter_table("push_deliveries") as batch:
        batch.alter_column("sku_id", existing_type=ID, nullable=False)
    op.drop_table("listing_push_state")
