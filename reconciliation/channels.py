"""Channel <-> hub reconciliation: orders the channel has that the hub lacks, and stock
the channel shows against the hub's available-to-sell.

What the channel "shows" is read from the platform when its connector can
(`read_stock`); otherwise it is the figure the hub last pushed (channel_push_state,
listing_push_state), which still finds pushes that failed, were never made, or lag
behind the stock. Kit SKUs and bundle listings are checked against their bundle figure
(min over components), plain SKUs against their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_sync import channel_push_state, listing_push_state
from hub.services.bundle_figures import figures_now, is_bundle_listing
from hub.services.pull import missing
from hub.services.sync_context import SyncContext, load_channel
from mapping.bundles import BundleKey

__all__ = ["ChannelReport", "StockDrift", "StockReader", "reconcile_channel"]


@runtime_checkable
class StockReader(Protocol):
    def read_stock(self, listing_ids: Sequence[str]) -> Mapping[str, int]:
        """The platform's sellable quantity per listing id."""
        ...


@dataclass(frozen=True)
class StockDrift:
    sku: str
    listing: str
    channel_shows: int | None  # None: never pushed and not readable
    hub_available: int
    source: str  # "channel" (read from the platform) or "last pushed"

    @property
    def delta(self) -> int | None:
        return None if self.channel_shows is None else self.channel_shows - self.hub_available


@dataclass
class ChannelReport:
    channel: str
    checked_orders: int = 0
    missing_orders: list[str] = field(default_factory=list)
    checked_listings: int = 0
    drift: list[StockDrift] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        return not self.missing_orders and not self.drift


def reconcile_channel(
    ctx: SyncContext, tenant_id: int, channel_id: int, *, window_hours: int | None = None
) -> ChannelReport:
    orders = missing(ctx, tenant_id, channel_id, window_hours)
    report = ChannelReport(orders.channel, orders.checked, [m.external_id for m in orders.missing])
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, channel)
        targets = _targets(uow.session, tenant_id, channel_id)
    shown: Mapping[str, int] = {}
    if isinstance(connector, StockReader):
        shown = connector.read_stock([target.listing for target in targets])
    report.checked_listings = len(targets)
    for target in sorted(targets, key=lambda found: found.label):
        if target.listing in shown:
            figure: int | None = shown[target.listing]
            source = "channel"
        else:
            figure, source = target.pushed, "last pushed"
        if figure != target.available:
            report.drift.append(
                StockDrift(target.label, target.listing, figure, target.available, source)
            )
    return report


@dataclass(frozen=True)
class _Target:
    label: str  # the SKU, or the channel SKU of a bundle listing
    listing: str  # the platform's id the figure is pushed to
    available: int  # the hub's figure now
    pushed: int | None  # what the hub last pushed


def _targets(session: Session, tenant_id: int, channel_id: int) -> list[_Target]:
    """Every listing stock is pushed to: SKU listings (a kit SKU's figure is its bundle
    figure) and bundle listings, which have a figure of their own."""
    lc, sk = t.listings.c, t.skus.c
    rows = session.execute(
        select(lc.id, lc.sku_id, sk.code, lc.channel_sku, lc.channel_variant_id,
               lc.channel_product_id, is_bundle_listing().label("bundle"))
        .outerjoin(t.skus, sk.id == lc.sku_id)
        .where(lc.channel_id == channel_id)
    ).all()  # fmt: skip
    pushed_to = [r for r in rows if r.channel_variant_id or r.channel_product_id]
    skus = sorted({int(r.sku_id) for r in pushed_to if not r.bundle and r.sku_id is not None})
    bundles = [int(r.id) for r in pushed_to if r.bundle]
    keys: list[BundleKey] = [("sku", s) for s in skus] + [("listing", i) for i in bundles]
    now = figures_now(session, tenant_id, channel_id, keys)
    ps, ls = channel_push_state.c, listing_push_state.c
    sku_pushed = dict(
        session.execute(select(ps.sku_id, ps.quantity).where(ps.channel_id == channel_id)).all()
    )
    listing_pushed = dict(
        session.execute(select(ls.listing_id, ls.quantity).where(ls.channel_id == channel_id)).all()
    )
    targets = []
    for r in pushed_to:
        listing = str(r.channel_variant_id or r.channel_product_id)
        if r.bundle:
            key: BundleKey = ("listing", int(r.id))
            pushed = listing_pushed.get(int(r.id))
            targets.append(_Target(r.channel_sku, listing, now.get(key, 0), pushed))
        elif r.sku_id is not None:
            sku_id = int(r.sku_id)
            available = now[("sku", sku_id)]
            targets.append(_Target(r.code, listing, available, sku_pushed.get(sku_id)))
    return targets
