"""What valuing shipments at the moving average costs the ship path.

    python -m bench.costing [--backend sqlite|postgres] [--orders 200]

Builds a tenant with one warehouse, SKUS SKUs received at a price, and ORDERS orders of
three lines each, allocated. Each round ships a batch of BATCH orders
(`fulfilment.ship`, one transaction each) twice: once as the hub does (every shipment
movement valued in its transaction: lock the SKUs' cost rows, insert the values), and
once, in the same run, with `record_costs` replaced by a no-op (the baseline: the ship
path without costing). Each figure is the median over the rounds, in milliseconds per
order; the last line is `ratio=<with costing / without>`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SKUS = 20
BATCH = 20


def _build(factory: object, name: str, orders: int) -> tuple[Callable[[], Any], list[int]]:
    from hub.db.unit_of_work import UnitOfWork
    from hub.domain.money import Money
    from hub.domain.orders import Order, OrderLine, OrderStatus
    from hub.services import catalog, purchasing, stock_policy
    from hub.services.allocation import allocate_batch

    tenant = catalog.create_tenant(UnitOfWork(factory, None), name, "Bench")  # type: ignore[arg-type]
    tid = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tid)  # type: ignore[arg-type]

    catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", priority=1)
    catalog.create_supplier(uow(), "ACME", "Acme", "EUR")
    codes = [f"S{n:03d}" for n in range(SKUS)]
    for code in codes:
        catalog.create_sku(uow(), code, code, Money.of("0", "EUR"))
    purchasing.create_purchase_order(
        uow(), "PO-1", "ACME", "BER", [(c, orders * 3, Money.of("7.31", "EUR")) for c in codes]
    )
    purchasing.receive_purchase_order(uow(), "PO-1", {c: orders * 3 for c in codes}, actor="b")
    channel = catalog.create_channel(uow(), "web", "shopify", "EUR")
    stock_policy.set_warehouses(uow(), "web", ["BER"])
    ids = []
    with uow() as u:
        skus = {s.code: s.id for s in u.skus.list()}
        for n in range(orders):
            order = Order(tid, channel.id, f"O-{n}", "EUR", datetime.now(UTC),  # type: ignore[arg-type]
                          status=OrderStatus.READY, ship_to={"country": "DE"})  # fmt: skip
            for k in range(3):
                code = codes[(n + k * 7) % SKUS]
                order.add_line(OrderLine(code, 1, Money.of("10", "EUR"), sku_id=skus[code],
                                         external_id=f"L{k}", tenant_id=tid))  # fmt: skip
            u.orders.add(order)
            assert order.id is not None
            ids.append(order.id)
        u.commit()
    allocate_batch(uow(), ids)
    return uow, ids


def _ship(uow: Callable[[], Any], ids: list[int]) -> float:
    from hub.services import fulfilment

    start = time.perf_counter()
    for order_id in ids:
        fulfilment.ship(uow(), order_id, actor="b")
    return (time.perf_counter() - start) * 1000 / len(ids)


def run(url: str, orders: int) -> None:
    import hub.db.allocation_store as store
    from hub.db.engine import make_engine, make_session_factory
    from hub.db.migrate import upgrade

    upgrade(url)
    factory = make_session_factory(make_engine(url))
    real = store.record_costs
    with_costs: list[float] = []
    without: list[float] = []
    for label, target in (("with", with_costs), ("without", without)):
        uow, ids = _build(factory, f"b-{label}-{uuid.uuid4().hex[:6]}", orders)
        store.record_costs = real if label == "with" else (lambda *a, **k: None)  # type: ignore[assignment]
        try:
            for i in range(0, len(ids), BATCH):
                target.append(_ship(uow, ids[i : i + BATCH]))
        finally:
            store.record_costs = real
    a, b = statistics.median(with_costs), statistics.median(without)
    print(f"ship with costing    median {a:.2f} ms/order over {len(with_costs)} batches")
    print(f"ship without costing median {b:.2f} ms/order over {len(without)} batches")
    print(f"ratio={a / b:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.orders)
        return
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        run(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", args.orders)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
