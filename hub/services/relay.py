"""The outbox relay: deliver "stock.changed" events to the channels (resync: resync.py).

One transaction per batch: claim pending events (FOR UPDATE SKIP LOCKED on PostgreSQL,
so relays on several workers never take the same event; SQLite has one writer anyway),
coalesce them per (channel, SKU) keeping the newest version, skip what the channel
already has a newer figure for, push the rest through the connector's batch call, and
record the delivery, the channel's new figure and `delivered_at` in the same commit.
A crash before the commit leaves every claimed event pending: the next relay pushes
the same absolute quantities again, which platforms treat as a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.base import Capability, ConnectorError, StockLevelUpdate
from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.allocation_store import policy_from_row
from hub.db.tables_sync import channel_push_state, push_deliveries
from hub.domain.availability import channel_available
from hub.domain.clock import utcnow
from hub.services.inbox import record_error
from hub.services.stock_events import STOCK_CHANGED, _pooled
from hub.services.sync_context import ChannelRef, SyncContext, load_channel

__all__ = ["Figures", "RelayReport", "push_figures", "relay"]


@dataclass
class RelayReport:
    events: int = 0
    pushed: int = 0
    stale: int = 0
    rejected: int = 0
    unlisted: int = 0
    calls: int = 0
    failed: list[str] = field(default_factory=list)

    def add(self, other: RelayReport) -> None:
        for name in ("events", "pushed", "stale", "rejected", "unlisted", "calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failed += other.failed

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# (sku id) -> (version, quantity): the figures to push to one channel
Figures = dict[int, tuple[int, int]]


def relay(ctx: SyncContext, tenant_id: int, *, max_batches: int = 100) -> RelayReport:
    """Deliver pending stock events batch by batch until none is left (or a channel fails)."""
    total = RelayReport()
    for _ in range(max_batches):
        report = _relay_batch(ctx, tenant_id)
        total.add(report)
        if report.events == 0 or report.failed:
            break
    return total


def _relay_batch(ctx: SyncContext, tenant_id: int) -> RelayReport:
    report = RelayReport()
    o = ta.outbox_events.c
    with ctx.uow(tenant_id) as uow:
        rows = uow.session.execute(
            select(o.id, o.payload, o.version)
            .where(o.tenant_id == tenant_id, o.topic == STOCK_CHANGED, o.delivered_at.is_(None))
            # Events a failing channel keeps bouncing sort last: they never starve the
            # other channels' fresh events.
            .order_by(o.attempts, o.id)
            .limit(ctx.settings.relay_batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return report
        report.events = len(rows)
        by_channel: dict[int, Figures] = {}
        event_ids: dict[int, list[int]] = {}
        for row in rows:
            channel_id, sku_id = int(row.payload["channel_id"]), int(row.payload["sku_id"])
            figures = by_channel.setdefault(channel_id, {})
            if sku_id not in figures or row.version > figures[sku_id][0]:
                figures[sku_id] = (row.version, int(row.payload["available"]))
            event_ids.setdefault(channel_id, []).append(row.id)
        delivered: list[int] = []
        for channel_id, figures in sorted(by_channel.items()):
            channel = load_channel(uow.session, channel_id, tenant_id)
            if push_figures(ctx, uow.session, channel, figures, "outbox", report):
                delivered += event_ids[channel_id]
            else:
                uow.session.execute(
                    update(ta.outbox_events)
                    .where(o.id.in_(event_ids[channel_id]))
                    .values(attempts=o.attempts + 1)
                )
        if delivered:
            uow.session.execute(
                update(ta.outbox_events).where(o.id.in_(delivered)).values(delivered_at=ctx.clock())
            )
        uow.commit()
    return report


def _computed(session: Session, tenant_id: int, channel_id: int, skus: list[int]) -> dict[int, int]:
    if not skus:
        return {}
    p = ta.channel_allocation_policies.c
    row = session.execute(
        select(ta.channel_allocation_policies).where(p.channel_id == channel_id)
    ).one_or_none()
    policy = policy_from_row(row)
    pooled = _pooled(session, tenant_id, [channel_id], skus)
    return {s: channel_available([pooled.get((channel_id, s), 0)], policy) for s in skus}


def push_figures(
    ctx: SyncContext,
    session: Session,
    channel: ChannelRef,
    figures: Figures,
    source: str,
    report: RelayReport,
    *,
    force: bool = False,
) -> bool:
    """Push one channel's figures; False (nothing recorded) when the channel failed."""
    ps = channel_push_state.c
    state = {
        r.sku_id: r.version
        for r in session.execute(
            select(ps.sku_id, ps.version).where(
                ps.channel_id == channel.id, ps.sku_id.in_(list(figures))
            )
        )
    }
    records: list[dict[str, Any]] = []
    fresh: Figures = {}
    for sku_id, (version, quantity) in sorted(figures.items()):
        if not force and sku_id in state and state[sku_id] >= version:
            report.stale += 1
            records.append(_record(channel, sku_id, None, version, quantity, "stale", source, ""))
        else:
            fresh[sku_id] = (version, quantity)
    updates, keys = _updates(session, channel, fresh, source, records, report)
    if updates:
        try:
            connector = ctx.connectors.storefront(session, channel)
            if Capability.PUSH_STOCK not in connector.capabilities:
                raise ConnectorError(f"connector {connector.name} cannot push stock")
            result = connector.push_stock(updates)
        except ConnectorError as exc:
            report.failed.append(f"{channel.name}: {exc}")
            return False
        report.calls += result.calls
        rejected = {r.key: r.reason for r in result.rejected}
        for update_, (sku_id, listing_id) in zip(updates, keys, strict=True):
            version, quantity = fresh[sku_id]
            reason = rejected.get(update_.listing_id)
            outcome = "rejected" if reason is not None else "accepted"
            report.pushed += outcome == "accepted"
            report.rejected += outcome == "rejected"
            records.append(
                _record(channel, sku_id, listing_id, version, quantity, outcome, source, reason)
            )
            if reason is not None:
                record_error(
                    session,
                    channel.tenant_id,
                    channel.id,
                    None,
                    "push",
                    f"listing {update_.listing_id} on channel {channel.name}",
                    "stock_quantity",
                    reason,
                )
    if records:
        session.execute(insert(push_deliveries), records)
    _save_state(session, channel, {s: fresh[s] for s, _ in keys})
    return True


def _updates(
    session: Session,
    channel: ChannelRef,
    fresh: Figures,
    source: str,
    records: list[dict[str, Any]],
    report: RelayReport,
) -> tuple[list[StockLevelUpdate], list[tuple[int, int]]]:
    lc = t.listings.c
    listings = session.execute(
        select(
            lc.id,
            lc.sku_id,
            lc.channel_product_id,
            lc.channel_variant_id,
            lc.channel_inventory_item_id,
        )
        .where(lc.channel_id == channel.id, lc.sku_id.in_(list(fresh)))
        .order_by(lc.id)
    ).all()
    by_sku: dict[int, list[Any]] = {}
    for listing in listings:
        by_sku.setdefault(listing.sku_id, []).append(listing)
    location = channel.settings.get("location_id")
    updates: list[StockLevelUpdate] = []
    keys: list[tuple[int, int]] = []
    for sku_id, (version, quantity) in sorted(fresh.items()):
        for listing in by_sku.get(sku_id, []):
            platform_id = (
                listing.channel_inventory_item_id
                or listing.channel_variant_id
                or listing.channel_product_id
            )
            if not platform_id:
                continue
            parent = listing.channel_product_id if listing.channel_variant_id else None
            updates.append(StockLevelUpdate(str(platform_id), quantity, location, parent))
            keys.append((sku_id, listing.id))
        if not any(k[0] == sku_id for k in keys):
            report.unlisted += 1
            records.append(
                _record(
                    channel,
                    sku_id,
                    None,
                    version,
                    quantity,
                    "unlisted",
                    source,
                    "no listing with a platform id on this channel",
                )
            )
    return updates, keys


def _record(
    channel: ChannelRef,
    sku_id: int,
    listing_id: int | None,
    version: int,
    quantity: int,
    outcome: str,
    source: str,
    reason: str | None,
) -> dict[str, Any]:
    return {
        "tenant_id": channel.tenant_id,
        "channel_id": channel.id,
        "sku_id": sku_id,
        "listing_id": listing_id,
        "version": version,
        "quantity": quantity,
        "outcome": outcome,
        "reason": reason or "",
        "source": source,
        "delivered_at": utcnow(),
    }


def _save_state(session: Session, channel: ChannelRef, figures: Figures) -> None:
    if not figures:
        return
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(channel_push_state).values(
        [
            {
                "tenant_id": channel.tenant_id,
                "channel_id": channel.id,
                "sku_id": s,
                "version": v,
                "quantity": q,
                "pushed_at": utcnow(),
            }
            for s, (v, q) in sorted(figures.items())
        ]
    )
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["channel_id", "sku_id"],
            set_={
                "version": excluded.version,
                "quantity": excluded.quantity,
                "pushed_at": excluded.pushed_at,
            },
            # Never move a channel's figure back to an older version (a resync racing a relay).
            where=channel_push_state.c.version <= excluded.version,
        )
    )
