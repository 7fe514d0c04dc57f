"""sync engine: inbox_records.kicked_at, when the reaper last re-enqueued a record

Revision ID: 0005b_sync_reaper
Revises: 0005_sync
Create Date: 2026-11-22 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0005b_sync_reaper"
down_revision: str | Sequence[str] | None = "0005_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_records") as batch:
        batch.add_column(
            sa.Column("kicked_at", hub.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_records") as batch:
        batch.drop_column("kicked_at")
