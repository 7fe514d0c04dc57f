"""`hub demo`: the main job on the embedded default, from nothing to a stock report, with
orders flowing in from a storefront (the local platform simulator) and stock flowing back."""

from __future__ import annotations

from typing import Any

import typer

from connectors.simulator import LOCATION, SimState, SimulatorServer
from connectors.toolkit import LocalRateBudgets
from hub.cli.common import JsonOpt, emit, hub, table
from hub.db.migrate import upgrade
from hub.services import inventory
from hub.services.demo import seed_demo
from hub.services.demo_channel import ChannelRun, connect_channel, run_channel
from hub.services.sync_context import RegistryConnectors, SyncContext

CHANNEL = "shopify-us"
PRICES = {"TENT-2P": "129.00", "STOVE-MINI": "34.90", "GAS-230": "4.50"}
ORDERED = ["STOVE-MINI", "GAS-230"]  # the demo's orders buy these


def _storefront(tenant_id: int) -> tuple[ChannelRun, dict[str, int]]:
    """Start the simulator in-process, connect the channel to it, run the flow, stop."""
    h = hub()
    state = SimState()
    state.add_listings(PRICES, stock=0)
    state.generate(6, skus=ORDERED)
    listed = {
        sku: {
            "channel_variant_id": f"gid://shopify/ProductVariant/{item.shopify_variant}",
            "channel_inventory_item_id": f"gid://shopify/InventoryItem/{item.shopify_item}",
        }
        for sku, item in state.listings.items()
    }
    with SimulatorServer(state) as sim:
        connection = {"shop_url": sim.url, "access_token": state.shopify_token, "page_size": 4}
        connect_channel(
            lambda: h.uow(tenant_id),
            CHANNEL,
            "shopify",
            connection,
            listed,
            ["BER", "NJ"],
            LOCATION,
        )
        ctx = SyncContext(h.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
        run = run_channel(ctx, tenant_id, CHANNEL)
    platform = {
        sku: state.inventory[(ids["channel_inventory_item_id"], LOCATION)]
        for sku, ids in listed.items()
    }
    return run, platform


def dashboard_url() -> str:
    """Where `hub run` serves the dashboard (HUB_API_HOST / HUB_API_PORT)."""
    settings = hub().settings.sync
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
    return f"http://{host}:{settings.api_port}/dashboard/"


def demo(as_json: JsonOpt = False) -> None:
    """Migrate, seed a small demo workspace (once), pull orders from a simulated Shopify
    store, allocate them, push stock back, print the stock and prove the ledger."""
    h = hub()
    upgrade(h.settings.database_url)
    created = seed_demo(h.uow)
    tenant_id = h.tenant_id("demo")
    run, platform = _storefront(tenant_id)
    lines = inventory.stock_report(h.uow(tenant_id))
    drifts = inventory.verify_ledger(h.uow(tenant_id))
    result: dict[str, Any] = {
        "dashboard_url": dashboard_url(),
        "database": h.engine.url.render_as_string(hide_password=True),
        "seeded": created,
        "stock": lines,
        "ledger_ok": not drifts,
        "storefront": {
            "channel": run.channel,
            "orders_pulled": run.orders_pulled,
            "orders": run.orders,
            "stock_pushed": run.stock_pushed,
            "push_calls": run.push_calls,
            "platform_stock": platform,
        },
    }
    emit(result, as_json, lambda: _text(result, created, lines, drifts))
    if drifts:
        raise typer.Exit(1)


def _text(result: dict[str, Any], created: bool, lines: list[Any], drifts: list[Any]) -> str:
    front = result["storefront"]
    orders = [[o["external_id"], o["status"]] for o in front["orders"]]
    return "\n".join(
        [
            f"dashboard: {result['dashboard_url']} (serve it with `hub run`; log in with a "
            "token from `hub token create --tenant demo --role admin`)",
            f"database: {result['database']}",
            "seeded the demo workspace" if created else "demo workspace already present",
            "",
            f"pulled {front['orders_pulled']} orders from the simulated Shopify store "
            f"into channel {front['channel']}:",
            table(orders, ["order", "hub status"]),
            "",
            table(
                [
                    [
                        ln.sku,
                        ln.warehouse,
                        ln.lot or "-",
                        str(ln.on_hand),
                        str(ln.reserved),
                        str(ln.safety_stock),
                        str(ln.available),
                    ]
                    for ln in lines
                ],
                ["sku", "warehouse", "lot", "on_hand", "reserved", "safety", "available"],
            ),
            "",
            f"pushed {front['stock_pushed']} stock figures in {front['push_calls']} platform "
            "calls; the store now shows:",
            table(
                [[k, str(v)] for k, v in sorted(front["platform_stock"].items())],
                ["sku", "available on Shopify"],
            ),
            "",
            "ledger ok: every balance equals the sum of its movements"
            if not drifts
            else f"LEDGER DRIFT in {len(drifts)} balances",
        ]
    )
