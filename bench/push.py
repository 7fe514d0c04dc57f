"""Stock push latency: from a stock change in the hub to the platform holding the figure.

    python -m bench.push            # 500 SKUs, a burst of 10,000 changes (HUB_BENCH_*)

A fresh PostgreSQL database (dropped at the end) holds 500 SKUs listed on a Shopify
channel; the platform simulator (in this process, real HTTP on 127.0.0.1) plays the
store. A worker thread runs the outbox relay every HUB_BENCH_RELAY_TICK seconds (0.5),
as a Celery worker woken by beat would; each round coalesces what changed since the last.
HUB_BENCH_CHANGERS processes (3) make the burst: 10,000 counts
(`inventory.adjust_to_count`, one transaction each, 20 per SKU, every count higher than
the last), noting when each committed. The simulator logs every `inventorySetQuantities`
write; a change's latency is the time from its commit to the first write of its SKU
holding its value or a later one (the relay coalesces: in-between figures are skipped
on purpose).

Baseline in the same run: one bare `inventorySetQuantities` round trip to the simulator
through the connector (the floor any push pays). Printed: the baseline median, p50/p95
latency with their ratio to it, calls per change. The last line is
`p50_s=<n> p95_s=<n> calls=<n> changes=<n>`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import threading
import time
import uuid
from bisect import bisect_left
from typing import Any

import sqlalchemy as sa

from connectors.base import StockLevelUpdate
from connectors.shop_platforms.shopify import ShopifyConfig, ShopifyConnector
from connectors.simulator import LOCATION, SimState, SimulatorServer
from connectors.toolkit import LocalRateBudgets
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, inventory, relay
from hub.services.demo_channel import connect_channel
from hub.services.sync_context import RegistryConnectors, SyncContext

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SKUS = int(os.environ.get("HUB_BENCH_SKUS", "500"))
CHANGES = int(os.environ.get("HUB_BENCH_CHANGES", "10000"))
CHANGERS = int(os.environ.get("HUB_BENCH_CHANGERS", "3"))
TICK = float(os.environ.get("HUB_BENCH_RELAY_TICK", "0.5"))
CHANNEL = "bench-shop"


def sku(n: int) -> str:
    return f"B-{n:04d}"


def seed(url: str, state: SimState, shop_url: str) -> int:
    factory = make_session_factory(make_engine(url))
    tenant = catalog.create_tenant(UnitOfWork(factory, None), "bench", "Bench")
    assert tenant.id is not None
    tenant_id = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tenant_id)

    catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", priority=10)
    catalog.create_channel(uow(), CHANNEL, "shopify", "USD")
    for n in range(SKUS):
        catalog.create_sku(uow(), sku(n), sku(n), Money.of("1.00", "USD"))
    listed = {
        code: {"channel_inventory_item_id": f"gid://shopify/InventoryItem/{item.shopify_item}"}
        for code, item in state.listings.items()
    }
    connection = {"shop_url": shop_url, "access_token": state.shopify_token}
    connect_channel(uow, CHANNEL, "shopify", connection, listed, ["BER"], LOCATION)
    return tenant_id


def changer(url: str, tenant_id: int, part: int, out: Any) -> None:
    """Counts for the SKUs of this part, in a burst; (monotonic commit time, sku, value)."""
    factory = make_session_factory(make_engine(url))
    done: list[tuple[float, str, int]] = []
    for i in range(part, CHANGES, CHANGERS):
        code, value = sku(i % SKUS), 100 + i // SKUS
        uow = UnitOfWork(factory, tenant_id)
        inventory.adjust_to_count(uow, "BER", code, value, actor="bench", reason="burst")
        done.append((time.monotonic(), code, value))
    out.put(done)


def relay_loop(ctx: SyncContext, tenant_id: int, stop: threading.Event) -> None:
    """A worker woken every TICK (as a Celery beat/countdown would): each round coalesces
    everything that changed since the last into one batch call per 250 figures."""
    while not stop.is_set():
        began = time.monotonic()
        relay.relay(ctx, tenant_id, max_batches=1)
        time.sleep(max(0.0, TICK - (time.monotonic() - began)))


def baseline(state: SimState, shop_url: str) -> float:
    config = ShopifyConfig(
        shop_url=shop_url, access_token=state.shopify_token, default_location_id=LOCATION
    )
    shop = ShopifyConnector(config)
    item = next(iter(state.listings.values())).shopify_item
    times = []
    for n in range(50):
        began = time.perf_counter()
        shop.push_stock([StockLevelUpdate(str(item), n)])
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def latencies(changes: list[tuple[float, str, int]], state: SimState) -> list[float]:
    writes: dict[str, list[tuple[float, int]]] = {}
    for stamp, key, qty in state.writes:
        writes.setdefault(key, []).append((stamp, qty))
    item_of = {
        code: f"gid://shopify/InventoryItem/{i.shopify_item}" for code, i in state.listings.items()
    }
    found = []
    for stamp, code, value in changes:
        log = writes.get(item_of[code], [])
        start = bisect_left(log, (stamp, -1))
        # Writes just before the commit was noted may already carry it (the note follows
        # the commit): look back a little and take the first write holding the value.
        start = max(0, start - 3)
        hit = next((t for t, q in log[start:] if q >= value), None)
        if hit is None:
            raise RuntimeError(f"{code}={value} never reached the platform")
        found.append(max(0.0, hit - stamp))
    return found


def run(url: str) -> str:
    """Run the bench on a migrated database; returns the summary line."""
    state = SimState()
    state.add_listings({sku(n): "1.00" for n in range(SKUS)}, stock=0)
    with SimulatorServer(state) as sim:
        tenant_id = seed(url, state, sim.url)
        floor = baseline(state, sim.url)
        state.writes.clear()
        state.calls.clear()
        factory = make_session_factory(make_engine(url))
        ctx = SyncContext(factory, RegistryConnectors(budgets=LocalRateBudgets()))
        relay.relay(ctx, tenant_id)  # drain what seeding published
        state.writes.clear()
        state.calls.clear()
        stop = threading.Event()
        worker = threading.Thread(target=relay_loop, args=(ctx, tenant_id, stop), daemon=True)
        worker.start()
        mpctx = mp.get_context("fork")
        out = mpctx.Queue()
        began = time.perf_counter()
        procs = [
            mpctx.Process(target=changer, args=(url, tenant_id, p, out)) for p in range(CHANGERS)
        ]
        for proc in procs:
            proc.start()
        changes = [c for _ in procs for c in out.get(timeout=600)]
        for proc in procs:
            proc.join()
        burst = time.perf_counter() - began
        final = {sku(i % SKUS): 100 + i // SKUS for i in range(CHANGES)}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            held = {
                code: state.inventory[(f"gid://shopify/InventoryItem/{i.shopify_item}", LOCATION)]
                for code, i in state.listings.items()
            }
            if all(held[c] == v for c, v in final.items()):
                break
            time.sleep(0.05)
        stop.set()
        worker.join()
    found = sorted(latencies(changes, state))
    p50 = statistics.median(found)
    p95 = found[int(0.95 * (len(found) - 1))]
    calls = state.calls["shopify:SetQuantities"]
    print(
        f"burst of {len(changes)} changes over {SKUS} SKUs took {burst:.1f}s "
        f"({len(changes) / burst:.0f} changes/s, {CHANGERS} processes)"
    )
    print(f"baseline: one bare inventorySetQuantities round trip, median {floor * 1000:.1f} ms")
    print(
        f"latency p50 {p50:.3f}s ({p50 / floor:.0f}x baseline), p95 {p95:.3f}s "
        f"({p95 / floor:.0f}x), max {found[-1]:.3f}s"
    )
    print(
        f"platform calls {calls} for {len(changes)} changes ({calls / len(changes):.4f} per change)"
    )
    return f"p50_s={p50:.3f} p95_s={p95:.3f} calls={calls} changes={len(changes)}"


def main() -> None:
    name = f"hub_bench_push_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    began = time.perf_counter()
    try:
        upgrade(url)
        summary = run(url)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"total runtime {time.perf_counter() - began:.0f}s")
    print(summary)


if __name__ == "__main__":
    main()
