"""Against a real Medusa v2 server (../shared/peers/medusa/up.sh: npm install, migrations,
seed, two orders placed through Medusa's own Store API): its orders come into the hub
and are allocated, and the hub's figures become Medusa's sellable stock.

Reuses a running peer (its peer.env and /health), else starts one (minutes; stopped
again afterwards) and skips only where the npm registry cannot be reached. Marked
``medusa`` so CI can select it: ``pytest -m medusa``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from connectors.toolkit import LocalRateBudgets
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, inventory
from hub.services.channel_locations import link_locations
from hub.services.demo_channel import connect_channel, run_channel
from hub.services.sync_context import RegistryConnectors, SyncContext
from tests.conftest import Database

pytestmark = pytest.mark.medusa

PEER = Path(__file__).resolve().parents[2].parent / "shared" / "peers" / "medusa"
RUN_DIR = Path(os.environ.get("MEDUSA_PEER_DIR", "/opt/medusa-peer")) / "run"
SKUS = ("HUB-MUG-001", "HUB-TSHIRT-M", "HUB-CAP-RED")


def _env() -> dict[str, str]:
    found = {}
    for line in (RUN_DIR / "peer.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def _healthy() -> bool:
    if not (RUN_DIR / "peer.env").exists():
        return False
    try:
        return requests.get(_env()["MEDUSA_URL"] + "/health", timeout=3).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def peer() -> Iterator[dict[str, str]]:
    if _healthy():
        yield _env()
        return
    if not (PEER / "up.sh").exists():
        pytest.skip(f"no Medusa peer script at {PEER} (../shared is absent)")
    ping = subprocess.run(["npm", "ping"], capture_output=True, timeout=60, check=False)
    if ping.returncode != 0:
        pytest.skip("the npm registry is unreachable: cannot install Medusa")
    subprocess.run([str(PEER / "up.sh")], check=True, timeout=1800, capture_output=True)
    try:
        yield _env()
    finally:
        subprocess.run([str(PEER / "down.sh")], check=False, timeout=300)


def _medusa_levels(env: dict[str, str]) -> dict[str, tuple[str, int, int]]:
    """sku -> (inventory item, stocked, reserved) at the Main Warehouse."""
    answer = requests.get(
        env["MEDUSA_URL"] + "/admin/inventory-items",
        params={"sku[]": list(SKUS), "fields": "id,sku,*location_levels"},
        auth=(env["MEDUSA_SECRET_API_KEY"], ""),
        timeout=30,
    )
    answer.raise_for_status()
    found = {}
    for item in answer.json()["inventory_items"]:
        for level in item["location_levels"]:
            if level["location_id"] == env["MEDUSA_LOCATION_MAIN"]:
                found[item["sku"]] = (
                    item["id"],
                    level["stocked_quantity"],
                    level["reserved_quantity"],
                )
    return found


def test_medusa_orders_come_in_and_hub_figures_become_medusa_stock(
    db: Database, tenant: Callable[[], UnitOfWork], peer: dict[str, str]
) -> None:
    before = _medusa_levels(peer)
    catalog.create_warehouse(tenant(), "MAIN", "Main Warehouse", country="DE", priority=10)
    for sku in SKUS:
        catalog.create_sku(tenant(), sku, sku, Money.of("10.00", "EUR"))
        inventory.adjust_to_count(tenant(), "MAIN", sku, 60, actor="test", reason="seed")
    catalog.create_channel(tenant(), "medusa-eu", "medusa", "EUR")
    listed = {sku: {"channel_inventory_item_id": before[sku][0]} for sku in SKUS}
    connection = {
        "base_url": peer["MEDUSA_URL"],
        "api_key": peer["MEDUSA_SECRET_API_KEY"],
    }
    connect_channel(tenant, "medusa-eu", "medusa", connection, listed, ["MAIN"])
    ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
    tenant_id = tenant().tenant_id
    assert tenant_id is not None
    # The hub's MAIN warehouse is Medusa's "Main Warehouse" location, found by name.
    links = link_locations(ctx, tenant_id, "medusa-eu")
    assert links.linked == {"MAIN": peer["MEDUSA_LOCATION_MAIN"]}
    assert links.push_location == peer["MEDUSA_LOCATION_MAIN"]
    run = run_channel(ctx, tenant_id, "medusa-eu")
    ids = {o["external_id"] for o in run.orders}
    assert {peer["MEDUSA_ORDER_1"], peer["MEDUSA_ORDER_2"]} <= ids
    # Other tests (test_medusa_order_life) place their own orders on the same peer.
    seeded = {peer["MEDUSA_ORDER_1"], peer["MEDUSA_ORDER_2"]}
    assert {o["status"] for o in run.orders if o["external_id"] in seeded} == {"allocated"}
    report = {line.sku: line for line in inventory.stock_report(tenant())}
    assert report["HUB-MUG-001"].reserved >= 5  # 2 (order 1) + 3 (order 2)
    after = _medusa_levels(peer)
    for sku in SKUS:
        _, stocked, reserved = after[sku]
        assert stocked - reserved == report[sku].available, sku  # Medusa sells what the hub says
