"""Channel <-> hub reconciliation: orders the channel has that the hub lacks, and stock
the channel shows against the hub's available-to-sell.

What the channel "shows" is read from the platform when its connector can
(`read_stock`); otherwise it is the figure the hub last pushed (channel_push_state),
which still finds pushes that failed, were never made, or lag behind the stock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sqlalchemy import select

from hub.db import tables as t
from hub.db.tables_sync import channel_push_state
from hub.services.pull import missing
from hub.services.relay import _computed  # the relay's own ATS figure: one definition
from hub.services.sync_context import SyncContext, load_channel

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
    lc, ps, sk = t.listings.c, channel_push_state.c, t.skus.c
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, channel)
        rows = uow.session.execute(
            select(lc.sku_id, sk.code, lc.channel_variant_id, lc.channel_product_id)
            .join(t.skus, sk.id == lc.sku_id)
            .where(lc.channel_id == channel_id, lc.sku_id.is_not(None))
        ).all()
        listed = {
            int(r.sku_id): (r.code, r.channel_variant_id or r.channel_product_id) for r in rows
        }
        listed = {s: v for s, v in listed.items() if v[1]}  # only listings stock is pushed to
        available = _computed(uow.session, tenant_id, channel_id, sorted(listed))
        pushed = {
            int(r.sku_id): int(r.quantity)
            for r in uow.session.execute(
                select(ps.sku_id, ps.quantity).where(ps.channel_id == channel_id)
            )
        }
    shown: Mapping[str, int] = {}
    if isinstance(connector, StockReader):
        shown = connector.read_stock([listing for _, listing in listed.values()])
    report.checked_listings = len(listed)
    for sku_id, (code, listing) in sorted(listed.items(), key=lambda kv: kv[1][0]):
        if listing in shown:
            figure: int | None = shown[listing]
            source = "channel"
        else:
            figure, source = pushed.get(sku_id), "last pushed"
        if figure != available.get(sku_id, 0):
            report.drift.append(StockDrift(code, listing, figure, available.get(sku_id, 0), source))
    return report
