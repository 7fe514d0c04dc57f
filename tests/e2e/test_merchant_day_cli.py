"""A merchant's day through the CLI, against the platform simulator over real HTTP, on the
embedded default (SQLite file) and on PostgreSQL: orders arrive unpaid, on hold and paid;
later in the day one is paid, one cancelled, one shipped on the platform (then shipped by
the hub too: the echo changes nothing), one edited. Each later pull applies what changed,
once, and the ledger still proves every balance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.simulator import SimState, SimulatorServer
from connectors.simulator.state import woo_order

PRICES = {"MUG": "12.50", "CAP": "15.00", "TEE": "19.90"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    state = SimState()
    state.add_listings(PRICES, stock=0)
    with SimulatorServer(state) as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _touch(order: dict[str, Any], at: datetime, **changes: Any) -> None:
    """The platform changed the order: a new version."""
    order.update(changes)
    order["date_modified_gmt"] = at.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_merchants_day_reaches_stock_once_through_the_cli(
    tmp_path: Path, sim: SimulatorServer, database_url: str
) -> None:
    tenant = f"day-{uuid.uuid4().hex[:8]}"

    def hub(*args: str, stdin: str | None = None) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {"HUB_TENANT": tenant, "HUB_SECRET_KEY": "merchant-day-key",
                "HUB_DATABASE_URL": database_url}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "hub", *args], cwd=tmp_path, env=env, input=stdin,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"hub {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout

    def stock() -> dict[str, tuple[int, int]]:
        rows = json.loads(hub("stock", "report", "--json"))
        return {r["sku"]: (r["on_hand"], r["reserved"]) for r in rows}

    def pull() -> None:
        pulled = json.loads(hub("sync", "pull", "--channel", "woo-sim", "--json"))
        assert pulled.get("failed", 0) in (0, [], None), pulled

    state = sim.state
    hub("migrate")
    hub("tenant", "create", tenant)
    hub("warehouse", "create", "BER", "--country", "DE")
    for sku in PRICES:
        hub("sku", "create", sku)
        hub("stock", "adjust", "BER", sku, "--count", "40")
    hub("channel", "create", "woo-sim", "--platform", "woocommerce")
    hub("channel", "policy", "warehouses", "woo-sim", "BER")
    config = {"store_url": sim.url, "consumer_key": state.woo_key,
              "consumer_secret": state.woo_secret,
              "webhook_secret": state.woo_webhook_secret, "per_page": 10}  # fmt: skip
    hub("connections", "add", "woocommerce", "Woo sim", "--config", "-", "--channel", "woo-sim",
        stdin=json.dumps(config))  # fmt: skip
    for sku, listing in state.listings.items():
        hub("mapping", "link", sku, sku, "--channel", "woo-sim",
            "--product-id", str(listing.woo_product))  # fmt: skip

    rules = json.loads(hub("mapping", "status", "stock-list", "--channel", "woo-sim", "--json"))
    assert {"value": "on-hold", "holds_stock": True, "may_ship": False} in rules
    linked = json.loads(hub("channel", "link-location", "woo-sim", "main", "BER", "--json"))
    assert linked["restocked"] == 0

    morning = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    mug, cap, tee = (state.listings[s] for s in ("MUG", "CAP", "TEE"))
    orders = {
        701: woo_order(701, [(mug, 2)], morning),
        702: woo_order(702, [(mug, 3)], morning + timedelta(minutes=1)),
        703: woo_order(703, [(cap, 2)], morning + timedelta(minutes=2)),
        704: woo_order(704, [(tee, 1)], morning + timedelta(minutes=3)),
    }
    orders[701].update(status="pending", date_paid_gmt=None)  # awaiting payment
    orders[702].update(status="on-hold", date_paid_gmt=None)  # bank transfer
    with state.lock:
        state.woo_orders.update(orders)
    pull()
    # Unpaid holds nothing; on-hold holds stock like WooCommerce does; paid ones reserve.
    assert stock() == {"MUG": (40, 3), "CAP": (40, 2), "TEE": (40, 1)}

    later = morning + timedelta(hours=1)
    with state.lock:
        _touch(orders[701], later, status="processing", date_paid_gmt="2026-12-05T08:00:00")
        _touch(orders[702], later, status="cancelled")
        _touch(orders[703], later, status="completed")  # shipped by the merchant's 3PL
        item = orders[704]["line_items"][0]
        item.update(quantity=3, subtotal="59.70", total="59.70")
        _touch(orders[704], later, total="64.60")
    pull()
    assert stock() == {"MUG": (40, 2), "CAP": (38, 0), "TEE": (40, 3)}

    hub("order", "ship", "woo-sim", "701")
    assert stock()["MUG"] == (38, 0)
    with state.lock:  # the platform echoes the hub's own shipment back
        _touch(orders[701], later + timedelta(hours=1), status="completed")
    pull()
    pull()  # nothing new: nothing more
    assert stock() == {"MUG": (38, 0), "CAP": (38, 0), "TEE": (40, 3)}
    assert json.loads(hub("stock", "verify", "--json"))["ok"] is True
