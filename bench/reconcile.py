"""Reconciliation at scale: 100,000 hub documents against 100,000 book documents.

    python -m bench.reconcile [--documents N] [--repeat R]

The books are built as connectors hand them back (PostedDocument with the normalised
payload) with a realistic mix of trouble: missing, extra, a cent off, amounts off,
duplicates, voided. Timed: converting the read-back to BookEntry, classifying, and the
clearing check per payout. Baseline in the same run: a bare dict join of the same keys
(the least any matcher must do). Prints medians, the ratio, and as its last line
`seconds=<n> peak_mb=<n>` (seconds: median of the timed work; peak_mb: the process's
peak resident memory).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from connectors.base import PostedDocument
from reconciliation import BookEntry, HubEntry, Outcome, classify, clearing_checks
from reconciliation.job import book_entry

CLEARING = "Assets:Clearing:Shop"
START = date(2026, 11, 1)


def build(n: int) -> tuple[list[HubEntry], list[PostedDocument]]:
    hub: list[HubEntry] = []
    books: list[PostedDocument] = []
    for i in range(n):
        amount = Decimal(10 + i % 990) + Decimal(i % 100) / 100
        accounts = {CLEARING: amount, "Income:Sales": -amount}
        day = START + timedelta(days=i % 30)
        key = f"shop:order:{i}"
        hub.append(
            HubEntry(
                key, "sales_receipt", day, "USD", amount, accounts, "posted", f"shop:P{i // 500}"
            )
        )
        trouble = i % 100
        if trouble == 0:
            continue  # missing in books
        total, status, count = amount, "posted", 1
        if trouble == 1:
            total = amount - Decimal("0.01")  # rounding
        elif trouble == 2:
            total = amount + Decimal("5.00")  # amount mismatch
        elif trouble == 3:
            status = "voided"
        elif trouble == 4:
            count = 2
        payload = {
            "kind": "sales_receipt",
            "date": day,
            "currency": "USD",
            "total": total,
            "status": status,
            "accounts": {CLEARING: total, "Income:Sales": -total},
            "count": count,
        }
        books.append(PostedDocument(key, f"ext-{i}", payload))
    for j in range(n // 100):  # extra in books: hub-tagged, unknown to the hub
        payload = {
            "kind": "sales_receipt",
            "date": START,
            "currency": "USD",
            "total": Decimal("1.00"),
            "status": "posted",
            "accounts": None,
        }
        books.append(PostedDocument(f"shop:order:x{j}", f"ext-x{j}", payload))
    return hub, books


def reconcile_once(hub: list[HubEntry], read_back: list[PostedDocument]) -> Counter[str]:
    books: list[BookEntry] = [book_entry(p) for p in read_back]
    findings = classify(hub, books)
    clearing_checks(hub, books, {CLEARING})
    return Counter(f.outcome.value for f in findings)


def baseline_once(hub: list[HubEntry], read_back: list[PostedDocument]) -> int:
    index = {p.natural_key: p for p in read_back}
    return sum(1 for h in hub if h.key in index)


def median_seconds(work: object, repeat: int, *args: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    hub, read_back = build(args.documents)
    counts = reconcile_once(hub, read_back)
    expected_missing = len(range(0, args.documents, 100))
    assert counts[Outcome.MISSING_IN_BOOKS] == expected_missing, counts
    print(f"hub documents:  {len(hub)}")
    print(f"book documents: {len(read_back)}")
    print("outcomes:       " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    work = median_seconds(reconcile_once, args.repeat, hub, read_back)
    base = median_seconds(baseline_once, args.repeat, hub, read_back)
    print(
        f"median reconcile {work:.3f} s, baseline dict join {base:.3f} s, "
        f"ratio {work / base:.1f}x (of {args.repeat} runs)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"seconds={work:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
