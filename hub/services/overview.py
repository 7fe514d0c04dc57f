"""What the dashboard's overview shows, as plain data (the template draws it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_allocation import outbox_events
from hub.db.tables_sync import sync_errors
from hub.domain.clock import utcnow
from hub.domain.orders import OrderStatus
from hub.services.reports import sync_health
from hub.services.totals_check import HoldCounts, count_holds

__all__ = ["Overview", "overview"]


@dataclass
class Overview:
    hours: list[datetime]
    # channel -> orders per hour, aligned with `hours`
    per_channel: dict[str, list[int]] = field(default_factory=dict)
    held: int = 0
    open_errors: int = 0
    push_lag_seconds: float = 0.0
    channels: list[dict[str, object]] = field(default_factory=list)
    # The totals self-check: orders held from invoicing, and its open error-queue entries.
    held_from_invoicing: int = 0
    totals_errors: int = 0

    @property
    def peak(self) -> int:
        return max((max(v) for v in self.per_channel.values() if v), default=0)


def overview(session: Session, tenant_id: int, now: datetime | None = None) -> Overview:
    end = (now or utcnow()).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = [end - timedelta(hours=24 - i) for i in range(24)]
    o, c = t.orders.c, t.channels.c
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    for name, placed in session.execute(
        select(c.name, o.placed_at)
        .join(t.channels, c.id == o.channel_id)
        .where(o.tenant_id == tenant_id, o.placed_at >= hours[0])
    ):
        index = int((placed - hours[0]).total_seconds() // 3600)
        if 0 <= index < 24:
            counts[name][index] += 1
    held = session.execute(
        select(func.count()).where(
            o.tenant_id == tenant_id,
            o.status.in_([OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW]),
        )
    ).scalar_one()
    e = sync_errors.c
    open_errors = session.execute(
        select(func.count()).where(e.tenant_id == tenant_id, e.resolved_at.is_(None))
    ).scalar_one()
    oldest = session.execute(
        select(func.min(outbox_events.c.created_at)).where(
            outbox_events.c.tenant_id == tenant_id, outbox_events.c.delivered_at.is_(None)
        )
    ).scalar_one()
    lag = 0.0 if oldest is None else max(0.0, ((now or utcnow()) - oldest).total_seconds())
    since = (now or utcnow()) - timedelta(days=1)
    totals = count_holds(session, tenant_id).get(tenant_id, HoldCounts(0, 0, 0))
    return Overview(
        hours,
        dict(sorted(counts.items())),
        int(held),
        int(open_errors),
        lag,
        list(sync_health(session, tenant_id, since)),
        held_from_invoicing=totals.held_orders,
        totals_errors=totals.open_errors,
    )
