"""End to end through the platform simulator over real HTTP, on SQLite and PostgreSQL:
orders placed on a Shopify and a WooCommerce store come into the hub, are allocated, and
the hub's figures end up on both stores; signed webhooks are taken, forged ones refused;
a shipment reaches the store with its tracking number."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from connectors.base import FulfillmentPush, WebhookRejected
from connectors.shop_platforms.shopify import ShopifyConfig, ShopifyConnector
from connectors.simulator import LOCATION, AppServer, SimState, SimulatorServer, signed_webhook
from connectors.simulator.state import woo_order
from connectors.toolkit import LocalRateBudgets
from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, inventory, webhooks
from hub.services.channel_locations import link_locations
from hub.services.demo_channel import connect_channel, run_channel
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import RegistryConnectors, SyncContext
from tests.conftest import Database

PRICES = {"MUG": "12.50", "CAP": "15.00", "TEE": "19.90"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    state = SimState()
    state.add_listings(PRICES, stock=0)
    state.generate(5)
    with SimulatorServer(state) as server:
        yield server


def setup(tenant: Callable[[], UnitOfWork], sim: SimulatorServer) -> None:
    catalog.create_warehouse(tenant(), "BER", "Berlin", country="DE", priority=10)
    for sku, price in PRICES.items():
        catalog.create_sku(tenant(), sku, sku, Money.of(price, "USD"))
        inventory.adjust_to_count(tenant(), "BER", sku, 40, actor="test", reason="seed")
    catalog.create_channel(tenant(), "shop-sim", "shopify", "USD")
    catalog.create_channel(tenant(), "woo-sim", "woocommerce", "USD")
    state = sim.state
    shop_ids = {
        sku: {"channel_inventory_item_id": f"gid://shopify/InventoryItem/{item.shopify_item}"}
        for sku, item in state.listings.items()
    }
    woo_ids = {sku: {"channel_product_id": str(i.woo_product)} for sku, i in state.listings.items()}
    shop = {
        "shop_url": sim.url,
        "access_token": state.shopify_token,
        "client_secret": state.shopify_secret,
        "page_size": 2,
    }
    woo = {
        "store_url": sim.url,
        "consumer_key": state.woo_key,
        "consumer_secret": state.woo_secret,
        "webhook_secret": state.woo_webhook_secret,
        "per_page": 2,
    }
    connect_channel(tenant, "shop-sim", "shopify", shop, shop_ids, ["BER"], LOCATION)
    connect_channel(tenant, "woo-sim", "woocommerce", woo, woo_ids, ["BER"])


def available(tenant: Callable[[], UnitOfWork]) -> dict[str, int]:
    return {line.sku: line.available for line in inventory.stock_report(tenant())}


def test_orders_flow_in_and_stock_flows_back_to_both_stores(
    db: Database, tenant: Callable[[], UnitOfWork], sim: SimulatorServer
) -> None:
    setup(tenant, sim)
    ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
    tenant_id = tenant().tenant_id
    assert tenant_id is not None
    shop = run_channel(ctx, tenant_id, "shop-sim")
    woo = run_channel(ctx, tenant_id, "woo-sim")
    assert shop.orders_pulled == 5 and woo.orders_pulled == 5
    assert {o["status"] for o in shop.orders + woo.orders} == {"allocated"}
    ordered: dict[str, int] = {}
    for order in sim.state.woo_orders.values():
        for line in order["line_items"]:
            ordered[line["sku"]] = ordered.get(line["sku"], 0) + 2 * line["quantity"]
    figures = available(tenant)
    assert figures == {sku: 40 - ordered.get(sku, 0) for sku in PRICES}  # both stores' orders
    state = sim.state
    for sku, item in state.listings.items():
        assert (
            state.inventory[(f"gid://shopify/InventoryItem/{item.shopify_item}", LOCATION)]
            == (figures[sku])
        )
        assert state.woo_stock[item.woo_product] == figures[sku]


def test_a_signed_webhook_brings_a_new_order_and_a_forged_one_is_refused(
    db: Database, tenant: Callable[[], UnitOfWork], sim: SimulatorServer
) -> None:
    setup(tenant, sim)
    ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
    with tenant() as uow:
        channel_id = uow.channels.by_key("woo-sim").id
    assert channel_id is not None
    listing = sim.state.listings["MUG"]
    order = woo_order(999, [(listing, 4)], datetime.now(UTC))
    headers, body = signed_webhook(sim.state, "woocommerce", "order.created", order)
    outcome = webhooks.receive(ctx, channel_id, headers, body)
    assert outcome.outcome == "accepted" and len(outcome.inbox_ids) == 1
    tenant_id = tenant().tenant_id
    assert tenant_id is not None
    InlineDispatcher(ctx).process_inbox(tenant_id, outcome.inbox_ids)
    assert available(tenant)["MUG"] == 36
    with pytest.raises(WebhookRejected):
        webhooks.receive(ctx, channel_id, headers, body.replace(b"999", b"998"))
    with tenant() as uow:
        count = uow.session.execute(
            select(func.count()).select_from(t.orders).where(t.orders.c.channel_id == channel_id)
        ).scalar_one()
    assert count == 1


def test_a_shipment_reaches_the_store_with_its_tracking(sim: SimulatorServer) -> None:
    state = sim.state
    shop = ShopifyConnector(ShopifyConfig(shop_url=sim.url, access_token=state.shopify_token))
    order_id, order = next(iter(state.shopify_orders.items()))
    lines = {n["id"]: n["quantity"] for n in order["lineItems"]["nodes"]}
    result = shop.push_fulfillment(FulfillmentPush(order_id, lines, "DHL", "JD0146"))
    assert result.accepted == [order_id]
    assert state.shopify_orders[order_id]["displayFulfillmentStatus"] == "FULFILLED"


def test_shopify_locations_are_linked_to_the_channels_warehouses(
    db: Database, tenant: Callable[[], UnitOfWork], sim: SimulatorServer
) -> None:
    catalog.create_warehouse(tenant(), "BER", "Berlin", country="DE", priority=10)
    catalog.create_warehouse(tenant(), "NJ", "New Jersey", country="US", priority=20)
    catalog.create_channel(tenant(), "shop-sim", "shopify", "USD")
    state = sim.state
    state.locations["gid://shopify/Location/2"] = "New Jersey"
    connection = {"shop_url": sim.url, "access_token": state.shopify_token}
    connect_channel(tenant, "shop-sim", "shopify", connection, {}, ["BER", "NJ"])
    ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
    tenant_id = tenant().tenant_id
    assert tenant_id is not None
    links = link_locations(ctx, tenant_id, "shop-sim", names={"BER": "Main warehouse"})
    assert links.linked == {"BER": LOCATION, "NJ": "gid://shopify/Location/2"}
    assert links.push_location == LOCATION  # BER is the channel's first warehouse
    with tenant() as uow:
        assert uow.channels.by_key("shop-sim").settings["location_id"] == LOCATION


def test_the_store_delivers_signed_webhooks_to_the_hub_api_over_http(
    db: Database, tenant: Callable[[], UnitOfWork], sim: SimulatorServer
) -> None:
    setup(tenant, sim)
    ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
    with tenant() as uow:
        woo_id, shop_id = uow.channels.by_key("woo-sim").id, uow.channels.by_key("shop-sim").id
    app = create_app(Hub(Settings(database_url=db.url)), sync=ctx, dispatcher=InlineDispatcher(ctx))
    order = woo_order(4242, [(sim.state.listings["CAP"], 5)], datetime.now(UTC))
    with AppServer(app) as api:
        assert (
            sim.deliver(f"{api.url}/webhooks/{woo_id}", "woocommerce", "order.created", order)
            == 200
        )
        forged = {**order, "total": "0.01"}
        headers, _ = signed_webhook(sim.state, "woocommerce", "order.created", order)
        refused = requests.post(
            f"{api.url}/webhooks/{woo_id}", json=forged, headers=headers, timeout=10
        )
        assert refused.status_code == 401
        # Shopify signs with the app's client secret; a wrong secret is refused.
        node = next(iter(sim.state.shopify_orders.values()))
        rest = {"id": 1, "admin_graphql_api_id": node["id"], "updated_at": node["updatedAt"]}
        sim.state.shopify_secret = "not-the-apps-secret"
        assert (
            sim.deliver(f"{api.url}/webhooks/{shop_id}", "shopify", "orders/updated", rest) == 401
        )
    assert available(tenant)["CAP"] == 35  # the webhook's order was allocated
