"""Per-channel schedule and the reaper, driven by one beat tick.

Each channel has its own intervals (pull, catch-up sweep, full stock resync), defaults
from the settings, overridden in `channel.settings["sync"]`. A job's last start lives in
the channel's cursors ("job:pull", ...) and is claimed in the same transaction that
decides it is due, so two beats (or a beat restarted) never enqueue it twice.

The reaper re-kicks work whose message was lost (worker killed, broker restarted):
inbox records still pending after a grace period (once per grace period each) or whose
retry is due (a transient failure put them back with a backoff, `ingest.retry_delay`), and
tenants with stock events never attempted after it. Events a relay tried and failed
(channel down) are retried by the relay task's backoff, the next relay of the tenant,
or the daily resync, so a broken channel never floods the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.tables_connections import connections
from hub.db.tables_sync import inbox_records
from hub.services.inbox import PENDING
from hub.services.order_push import TOPICS as ORDER_TOPICS
from hub.services.pull import Cursor, read_cursor, save_cursor
from hub.services.relay import TOPICS as RELAY_TOPICS
from hub.services.sync_context import ChannelRef, SyncContext

__all__ = ["JOBS", "DueJob", "Stuck", "claim_due_jobs", "claim_stuck"]

JOBS = {"pull": "pull_interval", "sweep": "sweep_interval", "resync": "resync_interval"}


@dataclass(frozen=True)
class DueJob:
    tenant_id: int
    channel_id: int
    job: str


def _synced_channels(ctx: SyncContext) -> list[ChannelRef]:
    """Channels that have a storefront connection (or name a connector in settings)."""
    c, k = t.channels.c, connections.c
    with ctx.uow() as uow:
        connected = set(
            uow.session.execute(select(k.channel_id).where(k.kind == "storefront")).scalars()
        )
        rows = uow.session.execute(select(t.channels).order_by(c.id)).mappings().all()
    return [
        ChannelRef(
            r["id"],
            r["tenant_id"],
            r["name"],
            r["platform"],
            r["currency"],
            dict(r["settings"] or {}),
        )
        for r in rows
        if (r["id"] in connected or (r["settings"] or {}).get("connector"))
        and (r["settings"] or {}).get("sync", {}).get("enabled", True)
    ]


def claim_due_jobs(ctx: SyncContext, now: datetime | None = None) -> list[DueJob]:
    now = now or ctx.clock()
    due: list[DueJob] = []
    for channel in _synced_channels(ctx):
        intervals = ctx.settings.for_channel(channel.settings)
        with ctx.uow(channel.tenant_id) as uow:
            for job, key in JOBS.items():
                stream = f"job:{job}"
                last = read_cursor(uow.session, channel.id, stream)
                if (
                    last is None
                    or last.since is None
                    or (now - last.since >= timedelta(seconds=int(intervals[key])))
                ):
                    save_cursor(uow.session, channel, stream, Cursor(now, None, None), now)
                    due.append(DueJob(channel.tenant_id, channel.id, job))
            uow.commit()
    return due


@dataclass
class Stuck:
    inbox: dict[int, list[int]] = field(default_factory=dict)  # tenant -> inbox ids
    outbox_tenants: list[int] = field(default_factory=list)


def claim_stuck(ctx: SyncContext, now: datetime | None = None, limit: int = 5000) -> Stuck:
    now = now or ctx.clock()
    cutoff = now - timedelta(seconds=ctx.settings.sync_reap_after)
    i, o = inbox_records.c, ta.outbox_events.c
    stuck = Stuck()
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(i.tenant_id, i.id)
            .where(
                i.status == PENDING,
                or_(
                    # A record a transient failure put back: due at its own time.
                    i.retry_at <= now,
                    and_(
                        i.retry_at.is_(None),
                        func.coalesce(i.kicked_at, i.received_at) < cutoff,
                    ),
                ),
            )
            .order_by(i.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for tenant_id, inbox_id in rows:
            stuck.inbox.setdefault(tenant_id, []).append(inbox_id)
        if rows:
            kicked = [r.id for r in rows]
            uow.session.execute(
                update(inbox_records).where(i.id.in_(kicked)).values(kicked_at=now, retry_at=None)
            )
        uow.commit()
        stuck.outbox_tenants = sorted(
            uow.session.execute(
                select(o.tenant_id)
                .where(
                    o.topic.in_((*RELAY_TOPICS, *ORDER_TOPICS)),
                    o.delivered_at.is_(None),
                    o.created_at < cutoff,
                    # Never attempted: its relay message was lost. Events a relay already
                    # tried are retried by that task's own backoff, not re-kicked each tick.
                    o.attempts == 0,
                )
                .distinct()
            ).scalars()
        )
    return stuck
