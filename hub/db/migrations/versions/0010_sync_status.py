"""sync status: last successful sync and last error per channel and stream

"Last sync" was the newest sync_cursors.updated_at, which the scheduler also writes when
it claims a job; this table records what actually happened.

Revision ID: 0010_sync_status
Revises: 0009_listing_push
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0010_sync_status"
down_revision: str | Sequence[str] | None = "0009_listing_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sync_status",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id"), nullable=False),
        sa.Column("stream", sa.String(64), nullable=False),
        sa.Column("last_success_at", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("channel_id", "stream", name="uq_sync_status_channel_stream"),
    )
    op.create_index("ix_sync_status_tenant_id", "sync_status", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("sync_status")
