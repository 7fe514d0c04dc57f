"""Channel <-> hub: orders the channel has that the hub lacks, and stock the channel shows
(read from the platform, or last pushed) against the hub's available-to-sell."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.db.unit_of_work import UnitOfWork
from hub.services import inventory, listings, pull, relay
from hub.services.sync_context import ChannelRef
from reconciliation.channels import StockDrift, reconcile_channel
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import sync_shop

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_a_missed_order_and_an_unpushed_stock_change_are_reported_then_clear(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    s.ctx.clock = lambda: NOW
    relay.relay(s.ctx, s.tenant_id)  # the channel is told 10
    s.platform.put(woo_order(1, "2026-11-02T08:00:00"))
    inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", 7, actor="t", reason="count")
    report = reconcile_channel(s.ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert report.missing_orders == ["1"] and report.checked_orders == 1
    assert report.drift == [StockDrift("SKU-A", "71", 10, 7, "last pushed")]
    assert report.drift[0].delta == 3 and not report.reconciled
    pull.sweep(s.ctx, s.dispatcher, s.tenant_id, s.channel_id, window_hours=24)
    relay.relay(s.ctx, s.tenant_id)
    healed = reconcile_channel(s.ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert healed.missing_orders == [] and healed.drift == []
    assert healed.reconciled and healed.checked_listings == 1


class ReadableShop:
    """The memshop connector plus `read_stock`: a platform that can say what it shows."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read_stock(self, listing_ids: Sequence[str]) -> Mapping[str, int]:
        stock = self.inner.platform.stock
        return {i: stock[i] for i in listing_ids if i in stock}


@dataclass
class ReadableProvider:
    inner: Any

    def storefront(self, session: Session, channel: ChannelRef) -> Any:
        return ReadableShop(self.inner.storefront(session, channel))


def test_stock_changed_by_hand_on_the_platform_is_drift_read_from_the_channel(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    relay.relay(s.ctx, s.tenant_id)
    s.platform.stock["71"] = 4  # someone edited the listing in the shop's admin
    ctx = replace(s.ctx, connectors=ReadableProvider(s.ctx.connectors))
    report = reconcile_channel(ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert report.drift == [StockDrift("SKU-A", "71", 4, 10, "channel")]


def test_a_bundle_listing_is_checked_against_its_bundle_figure(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12}, listed={"TENT": "71"})
    camp = "channel_sku,sku,channel_product_id,channel_variant_id,components\n"
    imported = listings.import_listings(tenant(), "web", camp + "CAMP-SET,,9,91,TENT:1;POLE:4\n")
    assert imported.refused == []
    relay.relay(s.ctx, s.tenant_id)  # TENT 5, CAMP-SET min(5 // 1, 12 // 4) = 3
    clean = reconcile_channel(s.ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert (clean.drift, clean.checked_listings) == ([], 2)
    inventory.adjust_to_count(s.shop.uow(), "BER", "POLE", 4, actor="t", reason="count")
    report = reconcile_channel(s.ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert report.drift == [StockDrift("CAMP-SET", "91", 3, 1, "last pushed")]
    relay.relay(s.ctx, s.tenant_id)
    assert reconcile_channel(s.ctx, s.tenant_id, s.channel_id, window_hours=24).reconciled
