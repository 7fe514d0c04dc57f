"""The simulator pushes back like the platforms do, and the connectors cope over real
HTTP: Shopify answers "Throttled" with the cost figures, WooCommerce hosts answer 429
with Retry-After; both connectors wait as told and carry on."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from connectors.shop_platforms.shopify import ShopifyConfig, ShopifyConnector
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from connectors.simulator import SimState, SimulatorServer
from connectors.simulator.state import Bucket
from connectors.toolkit import ConnectorContext

SINCE = datetime.now(UTC) - timedelta(days=1)


def waits() -> tuple[list[float], ConnectorContext]:
    seen: list[float] = []

    def sleep(seconds: float) -> None:
        seen.append(seconds)
        time.sleep(seconds)

    return seen, ConnectorContext(f"sim-{time.monotonic_ns()}", sleep=sleep)


def test_a_throttled_shopify_pull_waits_for_the_bucket_and_completes() -> None:
    state = SimState(shopify_bucket=Bucket(capacity=100, rate=100, level=0.0))
    state.add_listings({"A": "1.00", "B": "2.00"})
    state.generate(3)
    seen, context = waits()
    with SimulatorServer(state) as sim:
        config = ShopifyConfig(shop_url=sim.url, access_token=state.shopify_token, page_size=2)
        pages = list(ShopifyConnector(config, context).iter_order_pages(SINCE))
    assert sum(len(p.records) for p in pages) == 3
    assert seen and all(0 < s <= 1 for s in seen)  # (26 - available) / 100 points per second
    assert state.calls["shopify:Orders"] > len(pages)  # the throttled call was made again


def test_a_woocommerce_host_429_is_waited_out() -> None:
    state = SimState(woo_bucket=Bucket(capacity=1, rate=1, level=0.0))
    state.add_listings({"A": "1.00"})
    state.generate(2)
    seen, context = waits()
    with SimulatorServer(state) as sim:
        config = WooCommerceConfig(
            store_url=sim.url, consumer_key=state.woo_key, consumer_secret=state.woo_secret
        )
        pages = list(WooCommerceConnector(config, context).iter_order_pages(SINCE))
    assert sum(len(p.records) for p in pages) == 2
    assert seen and seen[0] == 1.0  # Retry-After: 1
