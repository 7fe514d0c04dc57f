"""The standing fuzz run: mutated orders of all five platforms, on SQLite and PostgreSQL.

    python -m bench.fuzz                     # 1,200 records per backend
    python -m bench.fuzz --records 5000 --seed 7 --backends sqlite

Per backend (a fresh SQLite file and a fresh PostgreSQL database, dropped at the end)
it builds the world of tests/robustness/harness.py: one channel per platform, the
WooCommerce and Shopify ones connected with stored connections. Each record is a seed
(the platform's documented sample or one of its cited golden cases, tests/golden)
renumbered, with one to three nodes replaced by a nasty value or deleted (seeded, so a
run is repeatable). An eighth of the records go through each platform's real pull path
(HTTP faked with `responses` in the shape of the official API, pages of 25, Shopify's
further lineItems pages read by GraphQL; a third of the pages have an edge fault, a 400,
a 404 or a body not in the documented shape, answering the calls for a record's parts),
an eighth through each signed webhook (Shopify, WooCommerce), the rest through the inbox
as a pull hands records on.
Each backend also takes one order by poll, webhook, redelivery and a stale update, and
times 60 well-formed signed webhooks through the stored connection against a baseline
request in the same run (`webhook_p50_ms=.. baseline_p50_ms=.. ratio=..`).

The verdict is invariant 10: no record left pending, every failed record in the error
queue, nothing acknowledged or listed by a pull lost, no answer 500, and `hub stock
verify` green; the per-backend line also counts the open errors that name no field. The
last line is `records=N stuck=N unexplained_500=N lost=N verify=ok|FAIL` (totals over
the backends); the exit status is 1 unless all are zero and the ledger verifies.

Killing a worker mid-batch and restarting the broker and PostgreSQL mid-run are proven
by tests/integration/test_workers.py, not repeated here.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings

import sqlalchemy as sa

from hub.db.migrate import upgrade
from tests.integration.stored_connection import woo_order
from tests.robustness.harness import (
    PLATFORMS,
    WEBHOOK_PLATFORMS,
    FuzzWorld,
    Report,
    build_world,
    random_mutations,
    random_recipe,
    run_mutations,
    run_recipes,
)

ADMIN_URL = os.environ.get(
    "HUB_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BATCH = 25


def fuzz(url: str, records: int, seed: int) -> Report:
    upgrade(url)
    world = build_world(url)
    rng = random.Random(seed)
    ways = [(p, "pull") for p in PLATFORMS] + [(p, "webhook") for p in WEBHOOK_PLATFORMS]
    share = max(records // (len(ways) + 1), 1)
    plan = [(platform, way, share) for platform, way in ways]
    # The rest through the inbox, as a pull hands records on (the documented samples).
    plan.append(("", "ingest", records - share * len(ways)))
    for platform, way, count in plan:
        sizes = [min(BATCH, count - start) for start in range(0, count, BATCH)]
        if way == "ingest":
            for n, size in enumerate(sizes):
                mutations = [[random_mutations(rng) for _ in range(size)]]
                run_mutations(world, PLATFORMS[n % len(PLATFORMS)], mutations)
            continue
        batches = [[random_recipe(rng) for _ in range(size)] for size in sizes]
        run_recipes(world, platform, batches, way=way)
    world.same_order_four_ways()
    latency(world)
    return world.check()


def latency(world: FuzzWorld, count: int = 60) -> None:
    """Signed webhooks of well-formed orders through the stored connection (read the
    connection, verify, archive, map, store, allocate), against a baseline measured in
    the same run: a request the same app refuses before touching the database."""
    webhook, baseline = [], []
    for _ in range(count):
        began = time.perf_counter()
        world.webhook(woo_order(world.next_number(), "2026-11-01T10:00:00"))
        webhook.append(time.perf_counter() - began)
        began = time.perf_counter()
        world.client.get("/api/v1/orders")  # no token: 401 before any query
        baseline.append(time.perf_counter() - began)
    p50, base = statistics.median(webhook) * 1000, statistics.median(baseline) * 1000
    print(f"  webhook_p50_ms={p50:.1f} baseline_p50_ms={base:.1f} ratio={p50 / base:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1200, help="mutated records per backend")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    total = Report()
    for backend in args.backends.split(","):
        began = time.perf_counter()
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                report = fuzz(f"sqlite:///{tmp}/fuzz.db", args.records, args.seed)
        else:
            name = f"hub_bench_fuzz_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            try:
                report = fuzz(url, args.records, args.seed)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        elapsed = time.perf_counter() - began
        print(
            f"{backend}: {report.line()} queued_as_errors={report.failed} "
            f"errors_without_field={report.unnamed} "
            f"answers={dict(sorted(report.answers.items()))} "
            f"{report.records / elapsed:.0f} records/s"
        )
        for problem in report.problems[:20]:
            print(f"  {problem[:300]}")
        total.records += report.records
        total.stuck += report.stuck
        total.unexplained_500 += report.unexplained_500
        total.lost += report.lost
        total.verify = total.verify and report.verify
    print(total.line())
    sys.exit(0 if total.clean else 1)


if __name__ == "__main__":
    main()
