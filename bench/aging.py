"""Aged receivables: the cost follows the documents still open, not the history.

    python -m bench.aging [--sizes 10000,100000] [--open 500] [--repeat 5] [--postgres]

A connection with `--open` open receipts, then more and more receipts already paid out
(tagged with payouts whose journals are dated before the as-of date). Timed: the whole
`ar-aging` report at each size. Baseline in the same run: a bare SELECT of the open
documents' lines (the least any aging must read). The ratio to the baseline should stay
flat as the history grows. Prints medians and, last, `seconds=<n>` at the largest size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.accounting_store import PostingPolicy, document_row
from hub.db.migrate import upgrade
from hub.db.tables_accounting import accounting_documents
from hub.domain.documents import Document, DocumentKind, DocumentStatus, EntryLine
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.services import accounting, accounting_mapping, catalog
from hub.services.accounting_books import connection_id
from hub.services.finance_reports import FinanceQuery, ar_aging
from mapping.accounting import ChartEntry

CLEARING = "Assets:Clearing:Shop"
AS_OF = date(2026, 11, 30)
R = AccountRole
CHART = {
    R.SALES: "Income:Sales",
    R.SHIPPING_INCOME: "Income:Shipping",
    R.DISCOUNTS: "Expenses:Discounts",
    R.SALES_TAX_PAYABLE: "Liabilities:SalesTax",
    R.CLEARING: CLEARING,
    R.MARKETPLACE_FEES: "Expenses:MarketplaceFees",
    R.COGS: "Expenses:COGS",
    R.INVENTORY: "Assets:Inventory",
    R.ACCOUNTS_PAYABLE: "Liabilities:AP",
}
START = date(2026, 1, 1)
ANALYZE = False


def _doc(tenant: int, cid: int, key: str, day: date, amount: Decimal, **kw: object) -> dict:  # type: ignore[type-arg]
    m = Money.of(amount, "USD")
    kind = kw.pop("kind", DocumentKind.SALES_RECEIPT)
    lines = [EntryLine(CLEARING, m), EntryLine("Income:Sales", -m)]
    if kind is DocumentKind.PAYOUT:
        lines = [EntryLine("Assets:Bank", m), EntryLine(CLEARING, -m)]
    doc = Document(tenant, cid, kind, key, day, "USD", lines, party="Ann",  # type: ignore[arg-type]
                   status=DocumentStatus.POSTED, **kw)  # type: ignore[arg-type]  # fmt: skip
    return document_row(doc) | {"created_at": doc.posted_at or _now()}


def _now():  # type: ignore[no-untyped-def]
    from hub.domain.clock import utcnow

    return utcnow()


def setup(hub: Hub) -> tuple[int, int]:
    tenant = catalog.create_tenant(hub.uow(), f"aging-{uuid.uuid4().hex[:6]}", "Aging bench")
    assert tenant.id is not None
    tid = tenant.id
    catalog.create_channel(hub.uow(tid), "shop", "shopify", "USD")
    accounting_mapping.create_connection(hub.uow(tid), "books", "beancount", {})
    accounting_mapping.set_accounts(
        hub.uow(tid), "books", [ChartEntry(role, code) for role, code in CHART.items()]
    )
    accounting.set_policy(hub.uow(tid), "books", lambda cid: PostingPolicy(cid, "USD", "Bank"))
    with hub.uow(tid) as uow:
        cid = connection_id(uow, "books")
    return tid, cid


def insert(hub: Hub, tid: int, rows: list[dict]) -> None:  # type: ignore[type-arg]
    with hub.uow(tid) as uow:
        for start in range(0, len(rows), 5000):
            uow.session.execute(accounting_documents.insert(), rows[start : start + 5000])
        uow.commit()
    if ANALYZE:
        with hub.engine.connect() as conn:  # as autovacuum would after a bulk load
            conn.exec_driver_sql("ANALYZE accounting_documents")
            conn.commit()


def history(tid: int, cid: int, first: int, last: int) -> list[dict]:  # type: ignore[type-arg]
    """Receipts `first`..`last` paid out 500 to a payout, journals dated before as-of."""
    rows = []
    for i in range(first, last):
        tag = f"shop:P{i // 500}"
        day = START + timedelta(days=(i // 500) % 300)
        rows.append(_doc(tid, cid, f"shop:order:h{i}", day, Decimal("10.00"), payout=tag))
        if i % 500 == 0:
            rows.append(_doc(tid, cid, f"shop:settlement:P{i // 500}", day + timedelta(days=3),
                             Decimal("5000.00"), payout=tag, kind=DocumentKind.PAYOUT))  # fmt: skip
    return rows


def median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--open", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE after each load")
    args = parser.parse_args()
    global ANALYZE
    ANALYZE = args.analyze
    if args.postgres:
        import psycopg

        name = f"hub_aging_{uuid.uuid4().hex[:8]}"
        admin = psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'aging.db'}"
    upgrade(url)
    hub = Hub(Settings(database_url=url))
    tid, cid = setup(hub)
    insert(hub, tid, [_doc(tid, cid, f"shop:order:o{i}", AS_OF - timedelta(days=i % 120),
                           Decimal("1.00")) for i in range(args.open)])  # fmt: skip
    d = accounting_documents.c

    def baseline() -> None:
        with hub.uow(tid) as uow:
            list(uow.session.execute(
                select(d.key, d.lines).where(d.connection_id == cid, d.payout.is_(None))
            ))  # fmt: skip

    have, last = 0, 0.0
    print(f"# {'history':>9} {'ar-aging ms':>12} {'baseline ms':>12} ratio")
    for size in sorted(int(s) for s in args.sizes.split(",")):
        insert(hub, tid, history(tid, cid, have, size))
        have = size
        rows = ar_aging(hub.uow(tid), FinanceQuery("books", AS_OF))
        total = next(r for r in rows if r["currency"] == "USD" and r["channel"] == "(total)")
        assert Decimal(total["total"]) == args.open, total  # only the open ones, all of them
        last = median(lambda: ar_aging(hub.uow(tid), FinanceQuery("books", AS_OF)), args.repeat)
        base = median(baseline, args.repeat)
        print(f"  {size:>9,} {last * 1e3:>12.2f} {base * 1e3:>12.2f} {last / base:5.1f}")
    hub.close()
    if args.postgres:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print(f"seconds={last:.4f}")


if __name__ == "__main__":
    main()
