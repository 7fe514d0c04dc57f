"""The books following order changes, against the full generation pass they replace.

    python -m bench.follow_orders        # 3,000 orders, 100 changed per round (SQLite)

A fresh SQLite file holds HUB_BENCH_ORDERS paid orders whose receipts exist already.
Each round, HUB_BENCH_CHANGED of them get a late refund, stored with its `order.changed`
event in one transaction (outside the clock). Timed: `follow_order_changes` building
their credit notes. Baseline in the same run: one `generate_documents` pass over every
order with nothing new to build, the scan the accounting tick would otherwise need to
find the same changes. `ratio` = follower / scan (below 1: following is cheaper than
looking). Three rounds; medians. Last line: `follow_s=<n> scan_s=<n> ratio=<n>`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.domain.orders import Refund
from hub.services import accounting, catalog, order_books
from hub.services.order_events import record_order_change
from tests.integration.books_setup import paid_order, setup_books

ORDERS = int(os.environ.get("HUB_BENCH_ORDERS", "3000"))
CHANGED = int(os.environ.get("HUB_BENCH_CHANGED", "100"))
ROUNDS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/hub.db"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        tenant = catalog.create_tenant(UnitOfWork(factory, None), "bench", "Bench")
        assert tenant.id is not None
        tid = tenant.id

        def uow() -> UnitOfWork:
            return UnitOfWork(factory, tid)

        setup_books(uow, {"ledger_path": f"{folder}/books.beancount"})
        ids = [paid_order(uow, f"{n:06d}").id or 0 for n in range(ORDERS)]
        accounting.generate_documents(uow(), "books")
        follows, scans = [], []
        for round_no in range(ROUNDS):
            chosen = ids[round_no * CHANGED : (round_no + 1) * CHANGED]
            with uow() as u:
                for order_id in chosen:
                    order = u.orders.get(order_id)
                    when = datetime(2026, 11, 6, tzinfo=UTC)
                    refund = Refund(Money.of("5.00", "USD"), f"r-{round_no}", created_at=when)
                    refund.tenant_id = tid
                    order.refunds.append(refund)
                    record_order_change(u, order_id, "refund")
                u.commit()
            started = time.perf_counter()
            report = order_books.follow_order_changes(uow)
            follows.append(time.perf_counter() - started)
            assert len(report.documents.created) == CHANGED, report.documents
            started = time.perf_counter()
            scan = accounting.generate_documents(uow(), "books")
            scans.append(time.perf_counter() - started)
            assert scan.created == [], scan.created  # the follower left nothing to find
        follow_s, scan_s = statistics.median(follows), statistics.median(scans)
        print(f"orders={ORDERS} changed_per_round={CHANGED} rounds={ROUNDS} day={date.today()}")
        print(f"follow_s={follow_s:.3f} scan_s={scan_s:.3f} ratio={follow_s / scan_s:.3f}")


if __name__ == "__main__":
    main()
