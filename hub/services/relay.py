"""The outbox relay: deliver stock events to the channels (resync: resync.py).

Two kinds of event: "stock.changed" (a SKU's figure on a channel) and
"stock.changed.listing" (a bundle listing's figure, `bundle_figures`). One transaction
per batch: claim pending events of both kinds (FOR UPDATE SKIP LOCKED on PostgreSQL, so
relays on several workers never take the same event; SQLite has one writer anyway),
coalesce them per (channel, SKU) and per (channel, listing) keeping the newest version,
skip what the channel already has a newer figure for, push the rest of a channel in one
connector batch call (`stock_push`), and record the delivery, the channel's new figure
and `delivered_at` in the same commit. A crash before the commit leaves every claimed
event pending: the next relay pushes the same absolute quantities again, which platforms
treat as a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update

from hub.db import tables_allocation as ta
from hub.services.bundle_figures import STOCK_CHANGED_LISTING
from hub.services.stock_events import STOCK_CHANGED
from hub.services.stock_push import Figures, RelayReport, push_figures
from hub.services.sync_context import SyncContext, load_channel, prepare_channels

__all__ = ["TOPICS", "Figures", "RelayReport", "push_figures", "relay"]

TOPICS = (STOCK_CHANGED, STOCK_CHANGED_LISTING)


@dataclass
class _Claimed:
    """One channel's share of a batch: newest figure per SKU and per bundle listing."""

    skus: Figures = field(default_factory=dict)
    listings: Figures = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)

    def add(self, event_id: int, topic: str, payload: dict[str, int], version: int) -> None:
        if topic == STOCK_CHANGED_LISTING:
            figures, key = self.listings, int(payload["listing_id"])
        else:
            figures, key = self.skus, int(payload["sku_id"])
        if key not in figures or version > figures[key][0]:
            figures[key] = (version, int(payload["available"]))
        self.event_ids.append(event_id)


def relay(
    ctx: SyncContext, tenant_id: int, *, max_batches: int = 100, channel_id: int | None = None
) -> RelayReport:
    """Deliver pending stock events batch by batch until none is left (or a channel fails);
    only ``channel_id``'s events when given (a channel's own run, hub.services.runs)."""
    total = RelayReport()
    for _ in range(max_batches):
        report = _relay_batch(ctx, tenant_id, channel_id)
        total.add(report)
        if report.events == 0 or report.failed:
            break
    return total


def _relay_batch(ctx: SyncContext, tenant_id: int, channel_id: int | None) -> RelayReport:
    report = RelayReport()
    o = ta.outbox_events.c
    mine = [o.tenant_id == tenant_id, o.topic.in_(TOPICS), o.delivered_at.is_(None)]
    if channel_id is not None:
        mine.append(o.payload["channel_id"].as_integer() == channel_id)
    with ctx.uow(tenant_id) as uow:  # which channels the claim will push to, if any
        waiting = uow.session.execute(
            select(o.payload)
            .where(*mine)
            .order_by(o.attempts, o.id)
            .limit(1 if channel_id is not None else ctx.settings.relay_batch_size)
        ).scalars()
        channel_ids = {int(payload["channel_id"]) for payload in waiting}
    if not channel_ids:
        return report
    prepare_channels(ctx, tenant_id, list(channel_ids))
    with ctx.uow(tenant_id) as uow:
        rows = uow.session.execute(
            select(o.id, o.topic, o.payload, o.version)
            .where(*mine)
            # Events a failing channel keeps bouncing sort last: they never starve the
            # other channels' fresh events.
            .order_by(o.attempts, o.id)
            .limit(ctx.settings.relay_batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return report
        report.events = len(rows)
        by_channel: dict[int, _Claimed] = {}
        for row in rows:
            claimed = by_channel.setdefault(int(row.payload["channel_id"]), _Claimed())
            claimed.add(row.id, row.topic, row.payload, row.version)
        delivered: list[int] = []
        for channel_id, claimed in sorted(by_channel.items()):
            channel = load_channel(uow.session, channel_id, tenant_id)
            if push_figures(ctx, uow.session, channel, claimed.skus, "outbox", report,
                            listings=claimed.listings):  # fmt: skip
                delivered += claimed.event_ids
            else:
                uow.session.execute(
                    update(ta.outbox_events)
                    .where(o.id.in_(claimed.event_ids))
                    .values(attempts=o.attempts + 1)
                )
        if delivered:
            uow.session.execute(
                update(ta.outbox_events).where(o.id.in_(delivered)).values(delivered_at=ctx.clock())
            )
        uow.commit()
    return report
