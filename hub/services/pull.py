"""Incremental pull, catch-up sweep and the missing-orders report.

The cursor of a (channel, stream) is tiny: `since` (where the pull starts), `resume`
(the connector's token for the next page of a pull in progress) and `high_water` (the
newest platform updated-at seen). A page's records and the cursor move in one
transaction, so a crash resumes after the last committed page and never skips one. A
finished pull moves `since` to the high water; the next one starts `overlap` earlier,
because platforms make updates visible a little after their updated-at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.base import Capability
from hub.db import tables as t
from hub.db.tables_sync import sync_cursors
from hub.domain.clock import ensure_utc
from hub.services import sync_status
from hub.services.inbox import archive, archive_skipped
from hub.services.sync_context import ChannelRef, Dispatcher, SyncContext, load_channel

__all__ = ["Cursor", "MissingOrder", "PullReport", "missing", "pull", "save_cursor", "sweep"]

ORDERS = "orders"
SWEEP = "orders:sweep"


@dataclass(frozen=True)
class Cursor:
    since: datetime | None
    resume: str | None
    high_water: datetime | None


@dataclass
class PullReport:
    channel: str
    since: datetime
    pages: int = 0
    records: int = 0
    queued: int = 0
    skipped: int = 0
    cursor: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["since"] = self.since.isoformat()
        data["cursor"] = self.cursor.isoformat() if self.cursor else None
        return data


def read_cursor(session: Session, channel_id: int, stream: str) -> Cursor | None:
    c = sync_cursors.c
    row = session.execute(
        select(c.since, c.resume, c.high_water).where(
            c.channel_id == channel_id, c.stream == stream
        )
    ).first()
    return Cursor(row.since, row.resume, row.high_water) if row else None


def save_cursor(
    session: Session, channel: ChannelRef, stream: str, cursor: Cursor, now: datetime
) -> None:
    values = {
        "tenant_id": channel.tenant_id,
        "channel_id": channel.id,
        "stream": stream,
        "since": cursor.since,
        "resume": cursor.resume,
        "high_water": cursor.high_water,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sync_cursors).values(values)
    changes = {k: statement.excluded[k] for k in ("since", "resume", "high_water", "updated_at")}
    session.execute(
        statement.on_conflict_do_update(index_elements=["channel_id", "stream"], set_=changes)
    )


def _backfill_start(ctx: SyncContext, settings: dict[str, Any]) -> datetime:
    start = settings.get("backfill_from")
    if start:
        parsed = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else ensure_utc(parsed)
    return ctx.clock() - timedelta(days=int(settings["backfill_days"]))


def _latest(current: datetime | None, records: Any) -> datetime | None:
    times = [r.updated_at for r in records if r.updated_at is not None]
    return max([current, *times]) if current is not None else max(times, default=None)


def pull(ctx: SyncContext, dispatcher: Dispatcher, tenant_id: int, channel_id: int) -> PullReport:
    """Pull what changed since the cursor; the outcome is kept in sync_status."""
    with sync_status.tracked(ctx, tenant_id, channel_id, ORDERS):
        return _pull(ctx, dispatcher, tenant_id, channel_id)


def _pull(ctx: SyncContext, dispatcher: Dispatcher, tenant_id: int, channel_id: int) -> PullReport:
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        cursor = read_cursor(uow.session, channel_id, ORDERS)
        connector = ctx.connectors.storefront(uow.session, channel)
    settings = ctx.settings.for_channel(channel.settings)
    if Capability.PULL_ORDERS not in connector.capabilities:
        return PullReport(channel.name, ctx.clock())  # webhook-only platform: nothing to pull
    if cursor is not None and cursor.resume is not None and cursor.since is not None:
        since, base = cursor.since, cursor.since  # finish the interrupted pull as it began
    elif cursor is not None and cursor.since is not None:
        base = cursor.since
        since = base - timedelta(seconds=int(settings["overlap_seconds"]))
    else:
        since = base = _backfill_start(ctx, settings)
    high = cursor.high_water if cursor else None
    report = PullReport(channel.name, since)
    for page in connector.iter_order_pages(since, cursor.resume if cursor else None):
        with ctx.uow(tenant_id) as uow:
            ids = archive(uow.session, tenant_id, channel_id, page.records, "poll")
            report.skipped += archive_skipped(
                uow.session, tenant_id, channel_id, page.skipped, "poll"
            )
            high = _latest(high, page.records)
            save_cursor(uow.session, channel, ORDERS, Cursor(since, page.resume, high), ctx.clock())
            uow.commit()
        report.pages += 1
        report.records += len(page.records)
        report.queued += len(ids)
        dispatcher.process_inbox(tenant_id, ids)  # after commit: the ids exist for workers
    final = max(base, high) if high is not None else base
    with ctx.uow(tenant_id) as uow:
        save_cursor(uow.session, channel, ORDERS, Cursor(final, None, high), ctx.clock())
        uow.commit()
    report.cursor = final
    return report


def sweep(
    ctx: SyncContext,
    dispatcher: Dispatcher,
    tenant_id: int,
    channel_id: int,
    window_hours: int | None = None,
) -> PullReport:
    """Re-read the recent window regardless of the cursor: heals missed webhooks. Records
    already archived are no-ops, so only what the hub never saw gets processed."""
    with sync_status.tracked(ctx, tenant_id, channel_id, SWEEP):
        return _sweep(ctx, dispatcher, tenant_id, channel_id, window_hours)


def _sweep(
    ctx: SyncContext,
    dispatcher: Dispatcher,
    tenant_id: int,
    channel_id: int,
    window_hours: int | None,
) -> PullReport:
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, channel)
    hours = window_hours or int(ctx.settings.for_channel(channel.settings)["sweep_window_hours"])
    report = PullReport(channel.name, ctx.clock() - timedelta(hours=hours))
    if Capability.PULL_ORDERS not in connector.capabilities:
        return report
    for page in connector.iter_order_pages(report.since):
        with ctx.uow(tenant_id) as uow:
            ids = archive(uow.session, tenant_id, channel_id, page.records, "sweep")
            report.skipped += archive_skipped(
                uow.session, tenant_id, channel_id, page.skipped, "sweep"
            )
            uow.commit()
        report.pages += 1
        report.records += len(page.records)
        report.queued += len(ids)
        dispatcher.process_inbox(tenant_id, ids)
    return report


@dataclass(frozen=True)
class MissingOrder:
    external_id: str
    updated_at: datetime | None


@dataclass
class MissingReport:
    channel: str
    since: datetime
    checked: int = 0
    missing: list[MissingOrder] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "since": self.since.isoformat(),
            "checked": self.checked,
            "missing": [
                {
                    "external_id": m.external_id,
                    "updated_at": m.updated_at.isoformat() if m.updated_at else None,
                }
                for m in self.missing
            ],
        }


def missing(
    ctx: SyncContext, tenant_id: int, channel_id: int, window_hours: int | None = None
) -> MissingReport:
    """Orders the channel has (changed within the window) that the hub does not."""
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, channel)
    hours = window_hours or int(ctx.settings.for_channel(channel.settings)["sweep_window_hours"])
    report = MissingReport(channel.name, ctx.clock() - timedelta(hours=hours))
    o = t.orders.c
    for page in connector.iter_order_pages(report.since):
        seen = {r.external_id: r.updated_at for r in page.records if r.kind == "order"}
        seen |= {s.record_id: None for s in page.skipped}
        report.checked += len(seen)
        with ctx.uow(tenant_id) as uow:
            known = set(
                uow.session.execute(
                    select(o.external_id).where(
                        o.channel_id == channel_id, o.external_id.in_(list(seen))
                    )
                ).scalars()
            )
        report.missing += [MissingOrder(k, v) for k, v in seen.items() if k not in known]
    return report
