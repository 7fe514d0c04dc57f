"""run triggers: at most one intake run and one relay run per channel queued or running

A webhook or an allocation marks the channel's trigger dirty and enqueues a run only when
none is queued or running (hub.services.triggers); the run takes whatever arrived.

Revision ID: 0010_run_triggers
Revises: 0009_listing_push
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0010_run_triggers"
down_revision: str | Sequence[str] | None = "0009_listing_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_triggers",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("queued_at", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("running_until", hub.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.UniqueConstraint("kind", "channel_id", name="uq_run_triggers_kind_channel"),
    )
    op.create_index("ix_run_triggers_tenant_id", "run_triggers", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("run_triggers")
