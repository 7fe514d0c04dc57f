"""Tables of notifications (migration 0012_notifications): per-tenant settings, the
subscriptions (a webhook secret sealed like connection credentials), each notification
once per occurrence, its deliveries (the log, with retry state) and the detectors'
cursors (how far each source was read)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.db.tables import metadata
from hub.db.types import Id, UTCDateTime

__all__ = [
    "notification_cursors",
    "notification_deliveries",
    "notification_settings",
    "notification_subscriptions",
    "notifications",
]


def _tenant() -> Column[int]:
    return Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False)


# NULL: the deployment's default (HUB_NOTIFY_*); 0 turns that rule off.
notification_settings = Table(
    "notification_settings",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenants.id"), primary_key=True),
    Column("overdue_hours", Integer, nullable=True),
    Column("error_threshold", Integer, nullable=True),
    Column("error_growth", Integer, nullable=True),
)

notification_subscriptions = Table(
    "notification_subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _tenant(),
    Column("name", String(200), nullable=False),
    Column("channel", String(16), nullable=False),  # webhook | email
    Column("target", Text, nullable=False),  # URL or e-mail address
    Column("kinds", JSON, nullable=False, default=list),  # [] = every kind
    Column("secret", Text, nullable=True),  # SecretBox token (webhooks)
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_notification_subscriptions_name"),
)

# One row per occurrence: the unique key is the dedupe (a condition seen again on the
# next tick finds its row and notifies no one).
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _tenant(),
    Column("kind", String(32), nullable=False),
    Column("dedupe_key", String(300), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "kind", "dedupe_key", name="uq_notifications_dedupe"),
    Index("ix_notifications_tenant_id", "tenant_id", "id"),
)

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _tenant(),
    Column("notification_id", Id, ForeignKey("notifications.id"), nullable=False),
    Column(
        "subscription_id",
        Id,
        ForeignKey("notification_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("status", String(16), nullable=False),  # pending | retrying | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("notification_id", "subscription_id", name="uq_notification_deliveries"),
    Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    Index("ix_notification_deliveries_tenant_id", "tenant_id", "id"),
)

notification_cursors = Table(
    "notification_cursors",
    metadata,
    Column("tenant_id", Id, ForeignKey("tenants.id"), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("state", JSON, nullable=False),
)
