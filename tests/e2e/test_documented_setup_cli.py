"""The documented setup, as a new user types it, on the embedded default (SQLite file,
no broker): `hub connections add` stores the WooCommerce credentials encrypted, then
`hub sync pull`, `hub outbox relay`, `hub sync sweep` and `hub reconcile-channel` run
against the platform simulator over real HTTP. Before, each of them failed "database is
locked": opening the stored connection took a second write transaction inside the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.simulator import SimState, SimulatorServer

PRICES = {"MUG": "12.50", "CAP": "15.00", "TEE": "19.90"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    state = SimState()
    state.add_listings(PRICES, stock=0)
    state.generate(5)
    with SimulatorServer(state) as server:
        yield server


def test_the_documented_setup_pulls_relays_sweeps_and_reconciles_on_sqlite(
    tmp_path: Path, sim: SimulatorServer
) -> None:
    def hub(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {"HUB_TENANT": "acme", "HUB_SECRET_KEY": "cli-setup-key"}
        done = subprocess.run(
            [sys.executable, "-m", "hub", *args],
            cwd=tmp_path,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"hub {' '.join(args)}: {done.stderr[-2000:]}"
        return done

    hub("migrate")
    hub("tenant", "create", "acme")
    hub("warehouse", "create", "BER", "--country", "DE")
    for sku in PRICES:
        hub("sku", "create", sku)
        hub("stock", "adjust", "BER", sku, "--count", "40")
    hub("channel", "create", "woo-sim", "--platform", "woocommerce")
    hub("channel", "policy", "warehouses", "woo-sim", "BER")
    state = sim.state
    config = {
        "store_url": sim.url,
        "consumer_key": state.woo_key,
        "consumer_secret": state.woo_secret,
        "webhook_secret": state.woo_webhook_secret,
        "per_page": 2,
    }
    hub("connections", "add", "woocommerce", "Woo sim", "--config", "-", "--channel", "woo-sim",
        stdin=json.dumps(config))  # fmt: skip
    for sku, listing in state.listings.items():
        hub("mapping", "link", sku, sku, "--channel", "woo-sim",
            "--product-id", str(listing.woo_product))  # fmt: skip

    pulled = json.loads(hub("sync", "pull", "--channel", "woo-sim", "--json").stdout)
    assert pulled["records"] == 5 and pulled["queued"] == 5
    relayed = json.loads(hub("outbox", "relay", "--json").stdout)
    assert relayed["failed"] == [] and relayed["pushed"] >= 1
    swept = json.loads(hub("sync", "sweep", "--channel", "woo-sim", "--json").stdout)
    assert swept["records"] == 5 and swept["queued"] == 0  # nothing the hub lacks
    hub("reconcile-channel", "--channel", "woo-sim")  # exit 0: nothing missing, no drift
    stock = json.loads(hub("stock", "report", "--json").stdout)
    for row in stock:
        listing = state.listings[row["sku"]]
        assert state.woo_stock[listing.woo_product] == row["available"]
