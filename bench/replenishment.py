"""Filling backorders when stock arrives: does the cost follow the units that arrived,
or the number of backorders waiting?

    python -m bench.replenishment [--backend postgres|sqlite] [--sizes 1000,20000]

Builds, per size, a fresh tenant whose channels (`web` priority 0, `vip` priority 5)
sell one hot SKU from one warehouse with nothing on hand, and that many single-unit
orders on it, all backordered by the allocator itself (allocate_batch). Each round then
receives FILL units against a purchase order (`receive_purchase_order`: the receipt, its
commit, then `fill_backorders`), which fills FILL orders, best first. Each figure is the
median over ROUNDS receipts, in milliseconds. The baseline is the same receipt in the
same run with the smallest number of backorders waiting; the last line is
`ratio=<median at the largest size / median at the smallest> oversold=<n>`: about 1
means the fill cost does not grow with the backlog. PostgreSQL runs in a database made
for the run and dropped after it; SQLite in a temporary file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROUNDS = int(os.environ.get("HUB_BENCH_ROUNDS", "7"))
FILL = 20  # units per receipt: the orders one receipt fills


def _build(factory: object, size: int) -> tuple[int, int]:
    """A tenant with `size` backordered orders of HOT; (tenant id, sku id)."""
    from hub.db import tables as t
    from hub.db.unit_of_work import UnitOfWork
    from hub.domain.money import Money
    from hub.domain.orders import Order, OrderLine, OrderStatus
    from hub.services import catalog, purchasing, replenishment, stock_policy
    from hub.services.allocation import allocate_batch

    tenant = catalog.create_tenant(UnitOfWork(factory, None), f"b-{size}", "Bench")  # type: ignore[arg-type]
    assert tenant.id is not None
    tid = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tid)  # type: ignore[arg-type]

    catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", priority=1)
    sku = catalog.create_sku(uow(), "HOT", "Hot", Money.of("1", "EUR"))
    assert sku.id is not None
    channels = {}
    for name, priority in (("web", 0), ("vip", 5)):
        channel = catalog.create_channel(uow(), name, "shopify", "EUR")
        stock_policy.set_warehouses(uow(), name, ["BER"])
        stock_policy.set_policy(uow(), name, shortfall="backorder_all")
        replenishment.set_backorder_priority(uow(), name, priority)
        channels[name] = channel.id
    catalog.create_supplier(uow(), "SUP", "Supplier", "EUR")
    purchasing.create_purchase_order(
        uow(), "PO-1", "SUP", "BER", [("HOT", FILL * (ROUNDS + 1), Money.of("1", "EUR"))]
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, size, 1000):
        with uow() as u:
            for n in range(first, min(size, first + 1000)):
                order = Order(
                    tid,
                    channels["vip" if n % 10 == 0 else "web"],  # type: ignore[arg-type]
                    f"B-{n}",
                    "EUR",
                    start + timedelta(minutes=n),
                    status=OrderStatus.READY,
                    ship_to={"country": "DE"},
                )
                order.add_line(
                    OrderLine("HOT", 1, Money.of("1", "EUR"), sku_id=sku.id, tenant_id=tid)
                )
                u.session.add(order)
            u.commit()
    with uow() as u:
        o = t.orders.c
        ids = list(u.session.execute(sa.select(o.id).where(o.tenant_id == tid)).scalars())
    for first in range(0, len(ids), 500):
        allocate_batch(uow(), ids[first : first + 500], actor="bench")
    return tid, sku.id


def _round(factory: object, tid: int) -> float:
    from hub.db.unit_of_work import UnitOfWork
    from hub.services import purchasing

    t0 = time.perf_counter()
    purchasing.receive_purchase_order(
        UnitOfWork(factory, tid),
        "PO-1",
        {"HOT": FILL},
        actor="bench",  # type: ignore[arg-type]
    )
    return (time.perf_counter() - t0) * 1000


def _oversold(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM stock_levels WHERE reserved > on_hand")
            ).scalar_one()
        )


def run(url: str, sizes: list[int]) -> None:
    from hub.db.engine import make_engine, make_session_factory
    from hub.db.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    medians: dict[int, float] = {}
    for size in sizes:
        tid, _sku = _build(factory, size)
        _round(factory, tid)  # warm-up: caches, prepared statements
        timings = [_round(factory, tid) for _ in range(ROUNDS)]
        medians[size] = statistics.median(timings)
        every = [round(x, 1) for x in timings]
        print(f"backorders={size} fill_{FILL}_ms median={medians[size]:.1f} all={every}")
    oversold = _oversold(engine)
    engine.dispose()
    base, top = medians[min(sizes)], medians[max(sizes)]
    print(f"ratio={top / base:.2f} oversold={oversold}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--sizes", default="1000,20000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", sizes)
        return
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        run(sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False), sizes)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
