"""notifications: settings, subscriptions, notifications, deliveries, cursors

Revision ID: 0012_notifications
Revises: 0011_books_connections
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_notifications"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = hub.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("overdue_hours", sa.Integer(), nullable=True),
        sa.Column("error_threshold", sa.Integer(), nullable=True),
        sa.Column("error_growth", sa.Integer(), nullable=True),
    )
    op.create_table(
        "notification_subscriptions",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_notification_subscriptions_name"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("tenant_id", "kind", "dedupe_key", name="uq_notifications_dedupe"),
    )
    op.create_index("ix_notifications_tenant_id", "notifications", ["tenant_id", "id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("notification_id", ID, sa.ForeignKey("notifications.id"), nullable=False),
        sa.Column(
            "subscription_id",
            ID,
            sa.ForeignKey("notification_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint(
            "notification_id", "subscription_id", name="uq_notification_deliveries"
        ),
    )
    op.create_index(
        "ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_notification_deliveries_tenant_id", "notification_deliveries", ["tenant_id", "id"]
    )
    op.create_table(
        "notification_cursors",
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("state", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_cursors")
    op.drop_index("ix_notification_deliveries_tenant_id", "notification_deliveries")
    op.drop_index("ix_notification_deliveries_due", "notification_deliveries")
    op.drop_table("notification_deliveries")
    op.drop_index("ix_notifications_tenant_id", "notifications")
    op.drop_table("notifications")
    op.drop_table("notification_subscriptions")
    op.drop_table("notification_settings")
