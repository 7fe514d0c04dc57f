"""Allocation throughput: the hub's allocate() against the minimal SQL of one reservation.

    python -m bench.allocation

Creates its own PostgreSQL database (dropped at the end). In the same run it measures
(a) a raw psycopg loop doing the minimal SQL of one reservation per transaction: a
conditional UPDATE of the balance plus a ledger INSERT; and (b) the hub's allocate() for
single-line orders (locks, pure strategy, reservation, ledger, outbox event, status),
at 4 workers on spread SKUs and at 16 workers on one hot SKU; plus (c) allocate_batch()
with many orders per transaction. Workers are processes; each figure is the median of
several rounds in transactions (orders) per second. The last line is
`ratio_spread=<hub/raw> ratio_hot=<hub/raw> oversold=<n>`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import sqlalchemy as sa

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROUNDS = int(os.environ.get("HUB_BENCH_ROUNDS", "3"))
SPREAD_WORKERS, HOT_WORKERS = 4, 16
SPREAD_PER_WORKER, HOT_PER_WORKER = 150, 40
BATCH_WORKERS, BATCH_SIZE, BATCHES_PER_WORKER = 4, 50, 3
SPREAD_SKUS = 64


def _raw_worker(dsn: str, level_ids: list[int], n: int, start: Any, out: Any) -> None:
    """One reservation per transaction: conditional UPDATE + ledger INSERT, then commit."""
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        start.wait()
        t0 = time.perf_counter()
        for i in range(n):
            level = level_ids[i % len(level_ids)]
            cur.execute(
                "UPDATE stock_levels SET reserved = reserved + 1 WHERE id = %s"
                " AND on_hand - reserved >= 1 RETURNING tenant_id, warehouse_id, sku_id, lot_code",
                (level,),
            )
            row = cur.fetchone()
            if row is not None:
                cur.execute(
                    "INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id,"
                    " lot_code, quantity, on_hand_delta, reserved_delta, reference, actor,"
                    " reason, created_at)"
                    " VALUES (%s, 'reservation', %s, %s, %s, 1, 0, 1, %s, 'bench', 'raw', now())",
                    (*row, f"raw:{i}"),
                )
            conn.commit()
        out.put(time.perf_counter() - t0)


def _hub_worker(url: str, tenant_id: int, batches: list[list[int]], start: Any, out: Any) -> None:
    from hub.db.engine import make_engine, make_session_factory
    from hub.db.unit_of_work import UnitOfWork
    from hub.services.allocation import allocate, allocate_batch

    engine = make_engine(url)
    factory = make_session_factory(engine)
    start.wait()
    t0 = time.perf_counter()
    for batch in batches:
        if len(batch) == 1:
            allocate(UnitOfWork(factory, tenant_id), batch[0], actor="bench")
        else:
            results = allocate_batch(UnitOfWork(factory, tenant_id), batch, actor="bench")
            failed = [r for r in results.values() if isinstance(r, Exception)]
            assert not failed, failed[:3]
    out.put(time.perf_counter() - t0)
    engine.dispose()


def _run(
    workers: int, target: Callable[..., None], args: Callable[[int], tuple[Any, ...]], units: int
) -> float:
    """Start `workers` processes together; units per second over the wall time."""
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args(w), start, out)) for w in range(workers)]
    for p in procs:
        p.start()
    time.sleep(0.3)  # let every process connect before the clock starts
    t0 = time.perf_counter()
    start.set()
    for _ in procs:
        out.get(timeout=300)
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a worker failed (exit {p.exitcode})")
    return units / wall


class Bench:
    def __init__(self, url: str) -> None:
        from hub.db.engine import make_engine, make_session_factory
        from hub.db.unit_of_work import UnitOfWork
        from hub.domain.money import Money
        from hub.services import catalog, stock_policy

        self.url = url
        self.engine = make_engine(url)
        factory = make_session_factory(engine=self.engine)
        tenant = catalog.create_tenant(UnitOfWork(factory, None), "bench", "Bench")
        assert tenant.id is not None
        self.tenant_id = tenant.id

        def uow() -> UnitOfWork:
            return UnitOfWork(factory, self.tenant_id)

        catalog.create_warehouse(uow(), "W1", "One", country="DE", priority=10)
        catalog.create_warehouse(uow(), "W2", "Two", country="DE", priority=20)
        self.channel_id = catalog.create_channel(uow(), "web", "shopify", "EUR").id
        stock_policy.set_warehouses(uow(), "web", ["W1", "W2"])
        self.skus = [
            catalog.create_sku(uow(), f"S{i}", f"S{i}", Money.of("1", "EUR")).id
            for i in range(2 * SPREAD_SKUS + 2)
        ]
        self._n = 0
        self.raw_skus: list[Any] = []
        with self.engine.begin() as conn:
            for sku in self.skus:
                for wh in (1, 2):
                    self._seed(conn, wh, sku, 10_000_000)

    def _seed(self, conn: sa.Connection, warehouse_no: int, sku_id: Any, qty: int) -> None:
        from hub.db import tables as t

        wh = conn.execute(
            sa.select(t.warehouses.c.id).where(
                t.warehouses.c.tenant_id == self.tenant_id,
                t.warehouses.c.code == f"W{warehouse_no}",
            )
        ).scalar_one()
        conn.execute(
            t.stock_levels.insert().values(
                tenant_id=self.tenant_id,
                warehouse_id=wh,
                sku_id=sku_id,
                lot_code="",
                on_hand=qty,
                reserved=0,
                safety_stock=0,
                reorder_point=0,
            )
        )
        conn.execute(
            t.stock_movements.insert().values(
                tenant_id=self.tenant_id,
                kind="receipt",
                warehouse_id=wh,
                sku_id=sku_id,
                lot_code="",
                quantity=qty,
                on_hand_delta=qty,
                reserved_delta=0,
                reference="seed",
                actor="bench",
                reason="seed",
                created_at=datetime.now(UTC),
            )
        )

    def orders(self, skus: list[Any]) -> list[int]:
        """One single-line order (1 unit) per SKU given, inserted in bulk."""
        from hub.db import tables as t

        now = datetime.now(UTC)
        first = self._n
        self._n += len(skus)
        with self.engine.begin() as conn:
            ids = (
                conn.execute(
                    t.orders.insert().returning(t.orders.c.id, sort_by_parameter_order=True),
                    [
                        {
                            "tenant_id": self.tenant_id,
                            "channel_id": self.channel_id,
                            "external_id": f"B-{first + i}",
                            "status": "ready",
                            "currency": "EUR",
                            "ship_to": {"country": "DE"},
                            "placed_at": now,
                        }
                        for i in range(len(skus))
                    ],
                )
                .scalars()
                .all()
            )
            conn.execute(
                t.order_lines.insert(),
                [
                    {
                        "tenant_id": self.tenant_id,
                        "order_id": oid,
                        "external_id": "L1",
                        "channel_sku": f"S{sku}",
                        "sku_id": sku,
                        "title": "",
                        "quantity": 1,
                        "unit_price_amount": Decimal("1"),
                        "discount_amount": Decimal("0"),
                        "tax_amount": Decimal("0"),
                        "currency": "EUR",
                        "raw": {},
                    }
                    for oid, sku in zip(ids, skus, strict=True)
                ],
            )
        return list(ids)

    def level_ids(self, skus: list[Any]) -> list[int]:
        from hub.db import tables as t

        s = t.stock_levels.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(s.id).where(s.sku_id.in_(skus)).order_by(s.sku_id, s.warehouse_id)
                ).scalars()
            )

    def oversold(self) -> int:
        with self.engine.connect() as conn:
            over = conn.execute(
                sa.text(
                    "SELECT coalesce(sum(greatest(reserved - on_hand, 0)), 0) FROM stock_levels"
                )
            ).scalar_one()
            mismatched = conn.execute(
                sa.text(
                    "SELECT l.sku_id, l.warehouse_id, l.reserved, coalesce(r.q, 0)"
                    " FROM stock_levels l LEFT JOIN (SELECT warehouse_id, sku_id, lot_code,"
                    " sum(quantity) q FROM reservations GROUP BY 1, 2, 3) r"
                    " USING (warehouse_id, sku_id, lot_code) WHERE l.tenant_id = :t"
                    " AND l.reserved <> coalesce(r.q, 0) AND NOT (l.sku_id = ANY(:raw))"
                ),
                {"t": self.tenant_id, "raw": self.raw_skus},
            ).all()
        if mismatched:
            print("balances disagreeing with their reservations:", mismatched[:5])
        return int(over) + len(mismatched)


def main() -> None:
    from hub.db.migrate import upgrade
    from hub.services.inventory import verify_ledger

    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        upgrade(url)
        b = Bench(url)
        # Raw SQL and the hub each get their own SKUs (same stock): both start equal, and
        # the hub's balances can be checked against its reservation rows.
        raw_spread, raw_hot = b.skus[:SPREAD_SKUS], b.skus[SPREAD_SKUS]
        spread, hot = b.skus[SPREAD_SKUS + 1 : 2 * SPREAD_SKUS + 1], b.skus[2 * SPREAD_SKUS + 1]
        b.raw_skus = [*raw_spread, raw_hot]
        per_worker = SPREAD_SKUS // SPREAD_WORKERS
        figures: dict[str, list[float]] = {
            k: [] for k in ("raw_spread", "hub_spread", "raw_hot", "hub_hot", "hub_batch")
        }
        raw_spread_levels = [
            b.level_ids(raw_spread[w * per_worker : (w + 1) * per_worker])
            for w in range(SPREAD_WORKERS)
        ]
        raw_hot_levels = b.level_ids([raw_hot])[:1]
        for _ in range(ROUNDS):
            figures["raw_spread"].append(
                _run(
                    SPREAD_WORKERS,
                    _raw_worker,
                    lambda w: (dsn, raw_spread_levels[w], SPREAD_PER_WORKER),
                    SPREAD_WORKERS * SPREAD_PER_WORKER,
                )
            )
            spread_orders = [
                [
                    [o]
                    for o in b.orders(
                        [spread[w * per_worker + i % per_worker] for i in range(SPREAD_PER_WORKER)]
                    )
                ]
                for w in range(SPREAD_WORKERS)
            ]
            figures["hub_spread"].append(
                _run(
                    SPREAD_WORKERS,
                    _hub_worker,
                    lambda w, orders=spread_orders: (url, b.tenant_id, orders[w]),
                    SPREAD_WORKERS * SPREAD_PER_WORKER,
                )
            )
            figures["raw_hot"].append(
                _run(
                    HOT_WORKERS,
                    _raw_worker,
                    lambda w: (dsn, raw_hot_levels, HOT_PER_WORKER),
                    HOT_WORKERS * HOT_PER_WORKER,
                )
            )
            hot_orders = [
                [[o] for o in b.orders([hot] * HOT_PER_WORKER)] for _ in range(HOT_WORKERS)
            ]
            figures["hub_hot"].append(
                _run(
                    HOT_WORKERS,
                    _hub_worker,
                    lambda w, orders=hot_orders: (url, b.tenant_id, orders[w]),
                    HOT_WORKERS * HOT_PER_WORKER,
                )
            )
            batch_orders = []
            for w in range(BATCH_WORKERS):
                skus = [
                    spread[w * per_worker + i % per_worker]
                    for i in range(BATCH_SIZE * BATCHES_PER_WORKER)
                ]
                ids = b.orders(skus)
                batch_orders.append(
                    [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
                )
            figures["hub_batch"].append(
                _run(
                    BATCH_WORKERS,
                    _hub_worker,
                    lambda w, orders=batch_orders: (url, b.tenant_id, orders[w]),
                    BATCH_WORKERS * BATCH_SIZE * BATCHES_PER_WORKER,
                )
            )
        med = {k: statistics.median(v) for k, v in figures.items()}
        for key, values in figures.items():
            print(
                f"{key:11s} median {med[key]:8.1f} /s   rounds: "
                + ", ".join(f"{v:.1f}" for v in values)
            )
        from hub.db.engine import make_session_factory
        from hub.db.unit_of_work import UnitOfWork

        drift = verify_ledger(UnitOfWork(make_session_factory(b.engine), b.tenant_id))
        print(
            f"ledger drift rows: {len(drift)}  batch/raw_spread: "
            f"{med['hub_batch'] / med['raw_spread']:.2f}"
        )
        oversold = b.oversold() + len(drift)
        b.engine.dispose()
        print(
            f"ratio_spread={med['hub_spread'] / med['raw_spread']:.2f} "
            f"ratio_hot={med['hub_hot'] / med['raw_hot']:.2f} oversold={oversold}"
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
