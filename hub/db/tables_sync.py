"""Tables of the sync engine (issue 5): inbox, error queue, cursors, webhook deliveries,
stock push state and push delivery records. Core tables: the ingest hot path and the
relay read and write them with SQLAlchemy Core. Migrations: 0005_sync, 0009_listing_push.
"""

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


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _tenant() -> Column[int]:
    return Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True)


def _channel() -> Column[int]:
    return Column("channel_id", Id, ForeignKey("channels.id"), nullable=False)


# Every payload from a poll or a webhook, archived raw before it is mapped. One row per
# (channel, kind, external id, version): a redelivery of the same version is a no-op.
inbox_records = Table(
    "inbox_records",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("kind", String(32), nullable=False),
    Column("external_id", String(255), nullable=False),
    # The platform's updated-at in canonical ISO form, or a payload digest if it has none.
    Column("version", String(80), nullable=False),
    Column("platform_updated_at", UTCDateTime(), nullable=True),
    Column("source", String(16), nullable=False),  # poll | webhook | sweep | replay
    Column("payload", JSON, nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # pending | processed | stale | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("processed_at", UTCDateTime(), nullable=True),
    # When the reaper last re-enqueued it: a backlog is re-kicked once per grace period.
    Column("kicked_at", UTCDateTime(), nullable=True),
    # A transient failure (connection lost, deadlock) puts a record back as pending with
    # attempts + 1 and this due time; the reaper re-enqueues it then (0010_intake_retry).
    Column("retry_at", UTCDateTime(), nullable=True),
    Column("order_id", Id, nullable=True),
    UniqueConstraint(
        "channel_id", "kind", "external_id", "version", name="uq_inbox_records_version"
    ),
    Index("ix_inbox_records_status", "status", "received_at"),
    Index("ix_inbox_records_order", "order_id"),  # 0010_list_indexes
    Index("ix_inbox_records_received", "received_at"),  # retention
)

# A record that could not be mapped, validated or delivered: the reason names the record
# and the field; `hub errors replay` re-runs it from the archived payload.
sync_errors = Table(
    "sync_errors",
    metadata,
    _id(),
    _tenant(),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=True),
    Column("inbox_id", Id, ForeignKey("inbox_records.id"), nullable=True),
    Column("stage", String(16), nullable=False),  # parse | map | store | allocate | push
    Column("record", String(300), nullable=False),
    Column("field", String(200), nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_attempt_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Index("ix_sync_errors_open", "tenant_id", "resolved_at"),
    Index("ix_sync_errors_tenant_open_id", "tenant_id", "resolved_at", "id"),  # 0010
)

# Tiny per (channel, stream) state: where the next pull starts; also the last run of
# each scheduled job of the channel ("job:pull", "job:sweep", "job:resync").
sync_cursors = Table(
    "sync_cursors",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("stream", String(64), nullable=False),
    Column("since", UTCDateTime(), nullable=True),
    Column("resume", Text, nullable=True),
    Column("high_water", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "stream", name="uq_sync_cursors_channel_stream"),
)

# Every webhook attempt, forged ones included. Accepted deliveries carry a dedupe key
# (the platform's delivery id); NULL keys never collide, so rejections never block one.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("delivery_id", String(255), nullable=True),
    Column("dedupe_key", String(255), nullable=True),
    Column("topic", String(100), nullable=False, default=""),
    Column("outcome", String(16), nullable=False),  # accepted | duplicate | rejected
    Column("reason", Text, nullable=False, default=""),
    Column("records", Integer, nullable=False, default=0),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "dedupe_key", name="uq_webhook_deliveries_dedupe"),
    # 0010_list_indexes: retention by age, sync-health's window per channel.
    Index("ix_webhook_deliveries_received", "received_at"),
    Index("ix_webhook_deliveries_channel_received", "channel_id", "received_at"),
)

# The newest stock figure each channel has accepted per SKU: the relay skips older ones.
channel_push_state = Table(
    "channel_push_state",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("pushed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel_id", "sku_id", name="uq_channel_push_state_channel_sku"),
)

# The same for bundle listings (a listing made of SKUs, with no SKU of its own): their
# figures are versioned per listing (listing_stock_versions), so their state is too.
listing_push_state = Table(
    "listing_push_state",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("listing_id", Id, ForeignKey("listings.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("pushed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("listing_id", name="uq_listing_push_state_listing"),
)

# What was sent to a channel, per listing, and what the platform said. A bundle
# listing's figure has no SKU: sku_id NULL, listing_id set.
push_deliveries = Table(
    "push_deliveries",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("sku_id", Id, nullable=True),
    Column("listing_id", Id, nullable=True),
    Column("version", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # accepted | rejected | stale | unlisted
    Column("reason", Text, nullable=False, default=""),
    Column("source", String(16), nullable=False),  # outbox | resync
    Column("delivered_at", UTCDateTime(), nullable=False),
    Index("ix_push_deliveries_channel_sku", "channel_id", "sku_id"),
    # 0010_list_indexes: retention by age, sync-health's window per channel.
    Index("ix_push_deliveries_delivered", "delivered_at"),
    Index("ix_push_deliveries_channel_delivered", "channel_id", "delivered_at"),
)

# One row per (kind of run, channel): whether a run is queued or running, and whether
# work arrived since it started. Triggers (a webhook, an allocation) set `dirty` and
# enqueue a run only when none is queued or running, so a burst of events costs one run
# per channel, not one task per event (hub.services.triggers). Migration 0010_run_triggers.
run_triggers = Table(
    "run_triggers",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("kind", String(16), nullable=False),  # intake | relay
    Column("queued_at", UTCDateTime(), nullable=True),
    Column("running_until", UTCDateTime(), nullable=True),  # the running run's lease
    Column("dirty", Boolean, nullable=False, default=False),
    Column("failures", Integer, nullable=False, default=0),  # consecutive, for backoff
    UniqueConstraint("kind", "channel_id", name="uq_run_triggers_kind_channel"),
)

TABLES = (
    inbox_records,
    sync_errors,
    sync_cursors,
    webhook_deliveries,
    channel_push_state,
    listing_push_state,
    push_deliveries,
    run_triggers,
)

# What the operator needs to know of each (channel, stream): when it last succeeded and
# the last error (kept after a later success, with its time, so a flapping sync shows).
# Written when a pull or sweep finishes, never when the scheduler merely claims a job.
# Migration: 0010_sync_status.
sync_status = Table(
    "sync_status",
    metadata,
    _id(),
    _tenant(),
    _channel(),
    Column("stream", String(64), nullable=False),
    Column("last_success_at", UTCDateTime(), nullable=True),
    Column("last_error_at", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("channel_id", "stream", name="uq_sync_status_channel_stream"),
)
