"""Ingest throughput: archive -> map -> upsert -> allocate, WooCommerce-shaped orders.

    python -m bench.ingest            # 10,000 orders per backend (HUB_BENCH_ORDERS)

For each backend (a fresh PostgreSQL database, dropped at the end, and a fresh SQLite
file) it seeds a channel selling 100 SKUs from two warehouses, builds the orders
(1-3 lines, wc/v3 shape) outside the clock, then times the sync engine's own path: pages
of 200 raw records archived in one transaction each, then `process_batch` (map, store new
orders in one transaction, allocate_batch, mark the inbox). PostgreSQL runs
HUB_BENCH_WORKERS processes (default 2, one per core here) on disjoint pages, as Celery
workers would; they contend for the same balance and published-figure rows, which is the
point. SQLite has one writer, so one.

Baseline in the same run: archive only (the raw INSERTs every order pays before any
mapping), so `ratio` says what mapping + upsert + allocation cost on top. Throughputs
are the median of the per-page rates, and the overall rate (orders / wall time). The last
line is `postgres_orders_per_s=<n> sqlite_orders_per_s=<n> peak_mb=<n>`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connectors.base import RawRecord
from hub.db import tables as t
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, inbox, inventory, stock_policy
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import RegistryConnectors, SyncContext
from hub.sync_config import SyncSettings

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ORDERS = int(os.environ.get("HUB_BENCH_ORDERS", "10000"))
WORKERS = int(os.environ.get("HUB_BENCH_WORKERS", "2"))
PAGE = 200
SKUS = 100
START = datetime(2026, 11, 1, tzinfo=UTC)


def woo_order(n: int, rng: random.Random) -> dict[str, Any]:
    lines, cents = [], 0
    for k in range(rng.randint(1, 3)):
        sku, qty, price = f"SKU-{rng.randrange(SKUS):04d}", rng.randint(1, 3), "12.50"
        total = f"{12.5 * qty:.2f}"
        cents += 1250 * qty
        lines.append(
            {
                "id": n * 10 + k,
                "name": sku,
                "product_id": 1,
                "variation_id": 0,
                "quantity": qty,
                "sku": sku,
                "subtotal": total,
                "subtotal_tax": "0.00",
                "total": total,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "price": float(price),
            }
        )
    stamp = (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "id": n,
        "status": "processing",
        "currency": "EUR",
        "prices_include_tax": False,
        "date_created_gmt": stamp,
        "date_modified_gmt": stamp,
        "date_paid_gmt": stamp,
        # What the lines add up to, as WooCommerce states it: an order whose totals
        # disagree would be held and its error recorded, a cost real orders do not pay.
        "total": f"{cents / 100:.2f}",
        "total_tax": "0.00",
        "payment_method": "card",
        "transaction_id": "",
        "billing": {"first_name": "Ada", "last_name": "L", "email": f"c{n}@example.com"},
        "shipping": {"country": "DE"},
        "line_items": lines,
        "shipping_lines": [],
        "tax_lines": [],
        "coupon_lines": [],
    }


def records(first: int, count: int) -> list[RawRecord]:
    rng = random.Random(first)
    out = []
    for n in range(first, first + count):
        payload = woo_order(n, rng)
        out.append(RawRecord("order", str(n), START + timedelta(seconds=n), payload))
    return out


def context(url: str) -> SyncContext:
    engine = make_engine(url)
    return SyncContext(make_session_factory(engine), RegistryConnectors(), SyncSettings())


def seed(url: str) -> tuple[int, int]:
    upgrade(url)
    ctx = context(url)

    def uow(tenant_id: int | None = None) -> UnitOfWork:
        return ctx.uow(tenant_id)

    tenant = catalog.create_tenant(uow(), f"bench-{uuid.uuid4().hex[:6]}", "Bench")
    assert tenant.id is not None
    tid = tenant.id
    catalog.create_warehouse(uow(tid), "BER", "Berlin", country="DE", priority=10)
    catalog.create_warehouse(uow(tid), "NJ", "New Jersey", country="US", priority=20)
    channel = catalog.create_channel(uow(tid), "web", "woocommerce", "EUR")
    assert channel.id is not None
    stock_policy.set_warehouses(uow(tid), "web", ["BER", "NJ"])
    sku_ids = {}
    for n in range(SKUS):
        code = f"SKU-{n:04d}"
        sku_ids[code] = catalog.create_sku(uow(tid), code, code, Money.of("5", "EUR")).id
    with uow(tid) as u:
        u.session.execute(
            sa.insert(t.listings),
            [
                {"tenant_id": tid, "channel_id": channel.id, "channel_sku": code, "sku_id": sku_id}
                for code, sku_id in sku_ids.items()
            ],
        )
        u.commit()
    for n in range(SKUS):
        for wh in ("BER", "NJ"):
            inventory.adjust_to_count(uow(tid), wh, f"SKU-{n:04d}", 100_000, actor="b", reason="s")
    return tid, channel.id


def run_pages(
    url: str,
    tenant_id: int,
    channel_id: int,
    pages: list[int],
    archive_only: bool,
    start: Any,
    out: Any,
) -> None:
    ctx = context(url)
    batches = [records(first, PAGE) for first in pages]
    start.wait()
    rates = []
    began = time.perf_counter()
    for batch in batches:
        t0 = time.perf_counter()
        with ctx.uow(tenant_id) as uow:
            ids = inbox.archive(uow.session, tenant_id, channel_id, batch, "poll")
            uow.commit()
        if not archive_only:
            outcomes = process_batch(ctx, tenant_id, ids)
            assert all(o.result == "created" for o in outcomes), outcomes[:3]
        rates.append(len(batch) / (time.perf_counter() - t0))
    out.put((time.perf_counter() - began, rates))


def measure(
    url: str, workers: int, total: int, offset: int, archive_only: bool
) -> tuple[float, float]:
    """(overall orders/s, median per-page orders/s)."""
    tenant_id, channel_id = seed(url) if offset == 0 else _ids[url]
    _ids[url] = (tenant_id, channel_id)
    firsts = list(range(offset, offset + total, PAGE))
    ctx = mp.get_context("fork")
    start, out = ctx.Barrier(workers), ctx.Queue()
    procs = [
        ctx.Process(
            target=run_pages,
            args=(url, tenant_id, channel_id, firsts[w::workers], archive_only, start, out),
        )
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        assert p.exitcode == 0, f"worker failed on {url}"
    wall = max(r[0] for r in results)
    return total / wall, statistics.median(rate * workers for r in results for rate in r[1])


_ids: dict[str, tuple[int, int]] = {}


def verify(url: str, expected: int) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tenant_id = _ids[url][0]
        orders = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.orders)
            .where(t.orders.c.tenant_id == tenant_id)
        ).scalar_one()
    engine.dispose()
    assert orders == expected, f"{orders} orders stored, expected {expected}"


def bench(url: str, name: str, workers: int) -> float:
    baseline, baseline_median = measure(url, workers, min(ORDERS, 1000), 0, archive_only=True)
    rate, median = measure(url, workers, ORDERS, 1_000_000, archive_only=False)
    verify(url, ORDERS)
    print(
        f"{name}: {ORDERS} orders, {workers} worker(s): {rate:.0f} orders/s overall, "
        f"median page {median:.0f}/s; archive-only baseline {baseline:.0f}/s "
        f"(median page {baseline_median:.0f}/s); ratio={rate / baseline:.3f}",
        flush=True,
    )
    return rate


def main() -> None:
    began = time.perf_counter()
    name = f"hub_bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    pg_url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        postgres = bench(pg_url, "postgresql", WORKERS)
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = bench(f"sqlite:///{tmp}/bench.db", "sqlite", 1)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(f"total runtime {time.perf_counter() - began:.0f}s")
    print(
        f"postgres_orders_per_s={postgres:.0f} sqlite_orders_per_s={sqlite:.0f} "
        f"peak_mb={peak_kb / 1024:.0f}"
    )


if __name__ == "__main__":
    main()
