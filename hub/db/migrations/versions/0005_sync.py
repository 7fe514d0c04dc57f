"""sync engine: inbox (raw archive), error queue, cursors, webhook deliveries,
stock push state and push delivery records

Revision ID: 0005_sync
Revises: 0001
Create Date: 2026-11-22 03:00:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0005_sync"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True)


def _ref(name: str, target: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, ID, sa.ForeignKey(target), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, hub.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inbox_records",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("version", sa.String(80), nullable=False),
        _time("platform_updated_at", nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _time("received_at"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("processed_at", nullable=True),
        sa.Column("order_id", ID, nullable=True),
        sa.UniqueConstraint(
            "channel_id", "kind", "external_id", "version", name="uq_inbox_records_version"
        ),
    )
    op.create_index("ix_inbox_records_tenant_id", "inbox_records", ["tenant_id"])
    op.create_index("ix_inbox_records_status", "inbox_records", ["status", "received_at"])

    op.create_table(
        "sync_errors",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id", nullable=True),
        _ref("inbox_id", "inbox_records.id", nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("record", sa.String(300), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("last_attempt_at"),
        _time("resolved_at", nullable=True),
    )
    op.create_index("ix_sync_errors_tenant_id", "sync_errors", ["tenant_id"])
    op.create_index("ix_sync_errors_open", "sync_errors", ["tenant_id", "resolved_at"])

    op.create_table(
        "sync_cursors",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id"),
        sa.Column("stream", sa.String(64), nullable=False),
        _time("since", nullable=True),
        sa.Column("resume", sa.Text(), nullable=True),
        _time("high_water", nullable=True),
        _time("updated_at"),
        sa.UniqueConstraint("channel_id", "stream", name="uq_sync_cursors_channel_stream"),
    )
    op.create_index("ix_sync_cursors_tenant_id", "sync_cursors", ["tenant_id"])

    op.create_table(
        "webhook_deliveries",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id"),
        sa.Column("delivery_id", sa.String(255), nullable=True),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        _time("received_at"),
        sa.UniqueConstraint("channel_id", "dedupe_key", name="uq_webhook_deliveries_dedupe"),
    )
    op.create_index("ix_webhook_deliveries_tenant_id", "webhook_deliveries", ["tenant_id"])

    op.create_table(
        "channel_push_state",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id"),
        _ref("sku_id", "skus.id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _time("pushed_at"),
        sa.UniqueConstraint("channel_id", "sku_id", name="uq_channel_push_state_channel_sku"),
    )
    op.create_index("ix_channel_push_state_tenant_id", "channel_push_state", ["tenant_id"])

    op.create_table(
        "push_deliveries",
        _id(),
        _ref("tenant_id", "tenants.id"),
        _ref("channel_id", "channels.id"),
        sa.Column("sku_id", ID, nullable=False),
        sa.Column("listing_id", ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        _time("delivered_at"),
    )
    op.create_index("ix_push_deliveries_tenant_id", "push_deliveries", ["tenant_id"])
    op.create_index("ix_push_deliveries_channel_sku", "push_deliveries", ["channel_id", "sku_id"])


def downgrade() -> None:
    for table in (
        "push_deliveries",
        "channel_push_state",
        "webhook_deliveries",
        "sync_cursors",
        "sync_errors",
        "inbox_records",
    ):
        op.drop_table(table)
