"""Allocation throughput: the hub's allocate() against the minimal SQL of one reservation.

    python -m bench.allocation

Creates its own PostgreSQL database (dropped at the end). In the same run it measures
(a) a raw psycopg loop doing the minimal SQL of one reservation per transaction: a
conditional UPDATE of the balance plus a ledger INSERT; and (b) the hub's allocate() for
single-line orders (locks, pure strategy, reservation, ledger, outbox event, status),
at 4 workers on spread SKUs and at 16 workers on one hot SKU; plus (c) allocate_batch()
with many orders per transaction. A second baseline, `full_*` ("raw_full"), is a raw
psycopg loop doing by hand everything one single-line allocation must do (lock the
order, lock the SKU's balances, conditional UPDATE, reservation, movement, order status,
published figure + outbox event): hub/raw_full says how close the hub is to the best
implementation of the same work, while the issue's ratio (hub/raw minimal, unchanged)
also counts the work the minimal loop leaves out. Workers are processes; each figure is
the median of several rounds in transactions (orders) per second. The last line is
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


_FULL_READ = (
    "SELECT o.external_id, l.id, l.sku_id, l.quantity - coalesce("
    "(SELECT sum(r.quantity) FROM reservations r WHERE r.order_line_id = l.id), 0)"
    " FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id = %s FOR UPDATE OF o"
)
_FULL_LOCK = (
    "SELECT id, warehouse_id, on_hand - reserved - safety_stock FROM stock_levels"
    " WHERE warehouse_id = ANY(%s) AND sku_id = %s ORDER BY warehouse_id FOR UPDATE"
)
_FULL_UPDATE = (
    "UPDATE stock_levels SET reserved = reserved + %s WHERE id = %s"
    " AND on_hand - reserved >= %s RETURNING id"
)
_FULL_RESERVE = (
    "INSERT INTO reservations (tenant_id, order_line_id, warehouse_id, sku_id, lot_code,"
    " quantity, created_at) VALUES (%s, %s, %s, %s, '', %s, now())"
)
_FULL_MOVE = (
    "INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id, lot_code, quantity,"
    " on_hand_delta, reserved_delta, reference, actor, reason, created_at)"
    " VALUES (%s, 'reservation', %s, %s, '', %s, 0, %s, %s, 'bench', 'raw full', now())"
)
_FULL_STATUS = "UPDATE orders SET status = 'allocated', status_reason = NULL WHERE id = %s"
_FULL_EVENT = (
    "WITH v AS (INSERT INTO channel_stock_versions (tenant_id, channel_id, sku_id, version,"
    " available) VALUES (%(t)s, %(c)s, %(s)s, 1, %(a)s) ON CONFLICT (channel_id, sku_id)"
    " DO UPDATE SET version = channel_stock_versions.version + 1, available = excluded.available"
    " WHERE channel_stock_versions.available IS DISTINCT FROM excluded.available"
    " RETURNING version)"
    " INSERT INTO outbox_events (tenant_id, topic, key, payload, version, created_at, attempts)"
    " SELECT %(t)s, 'stock.changed', %(k)s, json_build_object('available', %(a)s::int,"
    " 'channel_id', %(c)s::bigint, 'sku_id', %(s)s::bigint, 'version', version), version,"
    " now(), 0 FROM v"
)


def _raw_full_worker(
    dsn: str, setup: tuple[int, int, list[int]], orders: list[int], start: Any, out: Any
) -> None:
    """The whole single-line allocation by hand, one statement per step: lock the order
    and read its line (minus what is reserved), lock the SKU's balances in order, the
    conditional UPDATE of the first that fits, reservation, movement, order status, the
    channel's published figure with its stock.changed event in the outbox, commit."""
    tenant, channel, warehouses = setup
    with psycopg.connect(dsn) as conn:
        cur = conn.cursor()
        start.wait()
        t0 = time.perf_counter()
        for order in orders:
            cur.execute(_FULL_READ, (order,))
            ext, line, sku, need = cur.fetchone()  # type: ignore[misc]
            cur.execute(_FULL_LOCK, (warehouses, sku))
            levels = cur.fetchall()
            pick = next((lv for lv in levels if lv[2] >= need), None)
            if need > 0 and pick is not None:
                cur.execute(_FULL_UPDATE, (need, pick[0], need))
                cur.execute(_FULL_RESERVE, (tenant, line, pick[1], sku, need))
                cur.execute(_FULL_MOVE, (tenant, pick[1], sku, need, need, f"order:{ext}"))
                cur.execute(_FULL_STATUS, (order,))
                available = sum(max(0, lv[2]) for lv in levels) - need
                key = f"channel:{channel}/sku:{sku}"
                cur.execute(_FULL_EVENT, {"t": tenant, "c": channel, "s": sku, "a": available,
                                          "k": key})  # fmt: skip
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
            for i in range(3 * SPREAD_SKUS + 3)
        ]
        self._n = 0
        self.raw_skus: list[Any] = []
        with self.engine.begin() as conn:
            for sku in self.skus:
                for wh in (1, 2):
                    self._seed(conn, wh, sku, 10_000_000)
        self.analyze()

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
        self.analyze()
        return list(ids)

    def analyze(self) -> None:
        """Fresh statistics, as pgbench takes after its setup: the tables grow tenfold
        between rounds, and plans from a never-analysed table would measure the planner's
        guess rather than the allocator (production tables are analysed by autovacuum)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))

    def warehouse_ids(self) -> list[int]:
        from hub.db import tables as t

        w = t.warehouses.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(w.id).where(w.tenant_id == self.tenant_id).order_by(w.priority)
                ).scalars()
            )

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
        full_spread, full_hot = b.skus[2 * SPREAD_SKUS + 2 : -1], b.skus[-1]
        b.raw_skus = [*raw_spread, raw_hot]
        full_setup = (b.tenant_id, b.channel_id, b.warehouse_ids())
        per_worker = SPREAD_SKUS // SPREAD_WORKERS
        figures: dict[str, list[float]] = {
            k: []
            for k in (
                "raw_spread",
                "full_spread",
                "hub_spread",
                "raw_hot",
                "full_hot",
                "hub_hot",
                "hub_batch",
            )
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
            full_orders = [
                b.orders(
                    [full_spread[w * per_worker + i % per_worker] for i in range(SPREAD_PER_WORKER)]
                )
                for w in range(SPREAD_WORKERS)
            ]
            figures["full_spread"].append(
                _run(
                    SPREAD_WORKERS,
                    _raw_full_worker,
                    lambda w, orders=full_orders: (dsn, full_setup, orders[w]),
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
            full_hot_orders = [b.orders([full_hot] * HOT_PER_WORKER) for _ in range(HOT_WORKERS)]
            figures["full_hot"].append(
                _run(
                    HOT_WORKERS,
                    _raw_full_worker,
                    lambda w, orders=full_hot_orders: (dsn, full_setup, orders[w]),
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
        # The ratio compares the hub with far less work than an allocation is; this
        # one compares it with the same work written by hand: how close to the ceiling.
        print(
            f"hub/raw_full: spread={med['hub_spread'] / med['full_spread']:.2f} "
            f"hot={med['hub_hot'] / med['full_hot']:.2f}  "
            f"raw_full/raw_minimal: spread={med['full_spread'] / med['raw_spread']:.2f} "
            f"hot={med['full_hot'] / med['raw_hot']:.2f}"
        )
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
