"""sync engine: inbox_records.retry_at, when a record a transient failure put back is due

Revision ID: 0010_intake_retry
Revises: 0009_listing_push
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0010_intake_retry"
down_revision: str | Sequence[str] | None = "0009_listing_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_records") as batch:
        batch.add_column(
            sa.Column("retry_at", hub.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_records") as batch:
        batch.drop_column("retry_at")
