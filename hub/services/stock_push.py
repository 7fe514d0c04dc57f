"""Push one channel's stock figures through its connector's batch call, and record it.

Two kinds of figure, each versioned where it is published: per SKU (pushed to every
listing of that SKU that is not a bundle listing) and per bundle listing (pushed to that
listing only). A figure whose version the channel already has is skipped (unless forced,
as the full resync does); the rest go out in one `push_stock` call; each listing's outcome
lands in `push_deliveries` and the newest accepted-or-rejected version per SKU / listing
in `channel_push_state` / `listing_push_state`, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.base import Capability, ConnectorError, RateLimited, StockLevelUpdate
from hub.db import tables as t
from hub.db.tables_sync import channel_push_state, listing_push_state, push_deliveries
from hub.domain.clock import utcnow
from hub.services.bundle_figures import is_bundle_listing
from hub.services.inbox import record_error
from hub.services.sync_context import ChannelRef, SyncContext

__all__ = ["Figures", "RelayReport", "push_figures"]

# (sku id or bundle listing id) -> (version, quantity): the figures to push to one channel
Figures = dict[int, tuple[int, int]]


@dataclass
class RelayReport:
    events: int = 0
    pushed: int = 0
    stale: int = 0
    rejected: int = 0
    unlisted: int = 0
    calls: int = 0
    failed: list[str] = field(default_factory=list)
    # Seconds until a channel that ran out of rate budget can take the push again.
    retry_after: float | None = None

    def add(self, other: RelayReport) -> None:
        for name in ("events", "pushed", "stale", "rejected", "unlisted", "calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failed += other.failed
        if other.retry_after is not None:
            self.retry_after = max(self.retry_after or 0.0, other.retry_after)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class _Target:
    sku_id: int | None  # None: a bundle listing's own figure
    listing_id: int
    version: int
    quantity: int
    update: StockLevelUpdate


@dataclass
class _Push:
    channel: ChannelRef
    source: str
    report: RelayReport
    records: list[dict[str, Any]] = field(default_factory=list)

    def record(self, sku_id: int | None, listing_id: int | None, version: int, quantity: int,
               outcome: str, reason: str = "") -> None:  # fmt: skip
        self.records.append({
            "tenant_id": self.channel.tenant_id, "channel_id": self.channel.id,
            "sku_id": sku_id, "listing_id": listing_id, "version": version,
            "quantity": quantity, "outcome": outcome, "reason": reason,
            "source": self.source, "delivered_at": utcnow(),
        })  # fmt: skip


def push_figures(
    ctx: SyncContext,
    session: Session,
    channel: ChannelRef,
    figures: Figures,
    source: str,
    report: RelayReport,
    *,
    listings: Figures | None = None,
    force: bool = False,
) -> bool:
    """Push one channel's SKU `figures` and bundle-`listings` figures in one batch call;
    False (nothing recorded) when the channel failed."""
    push = _Push(channel, source, report)
    skus = _fresh(session, push, figures, channel_push_state.c.sku_id, force)
    bundles = _fresh(session, push, listings or {}, listing_push_state.c.listing_id, force)
    targets = _sku_targets(session, push, skus) + _listing_targets(session, push, bundles)
    if targets:
        try:
            connector = ctx.connectors.storefront(session, channel)
            if Capability.PUSH_STOCK not in connector.capabilities:
                raise ConnectorError(f"connector {connector.name} cannot push stock")
            result = connector.push_stock([target.update for target in targets])
        except RateLimited as exc:
            report.retry_after = max(report.retry_after or 0.0, exc.retry_after or 1.0)
            report.failed.append(f"{channel.name}: {exc}")
            return False
        except ConnectorError as exc:
            report.failed.append(f"{channel.name}: {exc}")
            return False
        report.calls += result.calls
        rejected = {r.key: r.reason for r in result.rejected}
        for target in targets:
            reason = rejected.get(target.update.listing_id)
            outcome = "rejected" if reason is not None else "accepted"
            report.pushed += outcome == "accepted"
            report.rejected += outcome == "rejected"
            push.record(target.sku_id, target.listing_id, target.version, target.quantity,
                        outcome, reason or "")  # fmt: skip
            if reason is not None:
                record_error(
                    session, channel.tenant_id, channel.id, None, "push",
                    f"listing {target.update.listing_id} on channel {channel.name}",
                    "stock_quantity", reason,
                )  # fmt: skip
    if push.records:
        session.execute(insert(push_deliveries), push.records)
    sku_state = {x.sku_id: (x.version, x.quantity) for x in targets if x.sku_id is not None}
    listing_state = {x.listing_id: (x.version, x.quantity) for x in targets if x.sku_id is None}
    _save_state(session, channel, channel_push_state, "sku_id", sku_state)
    _save_state(session, channel, listing_push_state, "listing_id", listing_state)
    return True


def _fresh(session: Session, push: _Push, figures: Figures, key: Any, force: bool) -> Figures:
    """The figures newer than what the channel has; the others are recorded as stale."""
    if not figures:
        return {}
    table = key.table
    state = {
        r[0]: r[1]
        for r in session.execute(
            select(key, table.c.version).where(
                table.c.channel_id == push.channel.id, key.in_(list(figures))
            )
        )
    }
    fresh: Figures = {}
    for id_, (version, quantity) in sorted(figures.items()):
        if not force and id_ in state and state[id_] >= version:
            push.report.stale += 1
            sku, listing = (id_, None) if key.name == "sku_id" else (None, id_)
            push.record(sku, listing, version, quantity, "stale")
        else:
            fresh[id_] = (version, quantity)
    return fresh


def _sku_targets(session: Session, push: _Push, fresh: Figures) -> list[_Target]:
    if not fresh:
        return []
    lc = t.listings.c
    rows = session.execute(
        select(lc.id, lc.sku_id, *_ID_COLUMNS)
        .where(
            lc.channel_id == push.channel.id,
            lc.sku_id.in_(list(fresh)),
            ~is_bundle_listing(),
        )
        .order_by(lc.id)
    ).all()
    by_sku: dict[int, list[Any]] = {}
    for row in rows:
        by_sku.setdefault(row.sku_id, []).append(row)
    targets: list[_Target] = []
    for sku_id, (version, quantity) in sorted(fresh.items()):
        mine = [
            _Target(sku_id, row.id, version, quantity, update)
            for row in by_sku.get(sku_id, [])
            if (update := _update(push.channel, row, quantity)) is not None
        ]
        if not mine:
            push.report.unlisted += 1
            push.record(sku_id, None, version, quantity, "unlisted", _UNLISTED)
        targets += mine
    return targets


def _listing_targets(session: Session, push: _Push, fresh: Figures) -> list[_Target]:
    if not fresh:
        return []
    lc = t.listings.c
    rows = {
        row.id: row
        for row in session.execute(
            select(lc.id, *_ID_COLUMNS).where(
                lc.channel_id == push.channel.id, lc.id.in_(list(fresh))
            )
        )
    }
    targets: list[_Target] = []
    for listing_id, (version, quantity) in sorted(fresh.items()):
        row = rows.get(listing_id)
        update = _update(push.channel, row, quantity) if row is not None else None
        if update is None:
            push.report.unlisted += 1
            push.record(None, listing_id, version, quantity, "unlisted", _UNLISTED)
        else:
            targets.append(_Target(None, listing_id, version, quantity, update))
    return targets


_UNLISTED = "no listing with a platform id on this channel"
_ID_COLUMNS = (
    t.listings.c.channel_product_id,
    t.listings.c.channel_variant_id,
    t.listings.c.channel_inventory_item_id,
)


def _update(channel: ChannelRef, listing: Any, quantity: int) -> StockLevelUpdate | None:
    platform_id = (
        listing.channel_inventory_item_id
        or listing.channel_variant_id
        or listing.channel_product_id
    )
    if not platform_id:
        return None
    parent = listing.channel_product_id if listing.channel_variant_id else None
    return StockLevelUpdate(str(platform_id), quantity, channel.settings.get("location_id"), parent)


def _save_state(
    session: Session, channel: ChannelRef, table: Table, key: str, figures: Figures
) -> None:
    if not figures:
        return
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(table).values(
        [
            {"tenant_id": channel.tenant_id, "channel_id": channel.id, key: id_,
             "version": v, "quantity": q, "pushed_at": utcnow()}
            for id_, (v, q) in sorted(figures.items())
        ]
    )  # fmt: skip
    excluded = statement.excluded
    # Each table's unique key: (channel, SKU) per SKU, the listing alone per bundle listing.
    conflict = ["channel_id", "sku_id"] if key == "sku_id" else ["listing_id"]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=conflict,
            set_={
                "version": excluded.version,
                "quantity": excluded.quantity,
                "pushed_at": excluded.pushed_at,
            },
            # Never move a channel's figure back to an older version (a resync racing a relay).
            where=table.c.version <= excluded.version,
        )
    )
