"""Posting into a GnuCash book through its engine: one write session shared by
back-to-back posts against a session per post, in the same run.

    python -m bench.gnucash [documents]

Posts the same documents (a journal each) into two new books in a temporary folder:
(a) the connector as shipped, (b) the baseline with HUB_GNUCASH_HOLD_S=0, which opens
and ends a GnuCash session for every post (the whole book loaded each time). Prints
the median post time of the first and last 50 posts of each and reading everything
back; the last line is ``ratio_last50=<baseline/shipped>``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from connectors.accounting.gnucash import GnuCashConfig, GnuCashConnector
from connectors.base import OutgoingDocument

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def document(n: int) -> OutgoingDocument:
    lines = [
        {"account": "Assets:Bank", "amount": "1.00"},
        {"account": "Assets:Clearing:Shop", "amount": "-1.00"},
    ]
    day = datetime(2026, 11, 1 + n % 28, tzinfo=UTC)
    return OutgoingDocument("payout", f"bench:{n}", day, "USD", Decimal("1.00"), {"lines": lines})


def run(book: Path, count: int, hold: str) -> tuple[float, float, float]:
    os.environ["HUB_GNUCASH_HOLD_S"] = hold  # read by the engine child it starts
    connector = GnuCashConnector(GnuCashConfig(book_path=str(book)))
    try:
        times = []
        for n in range(count):
            started = time.perf_counter()
            connector.post_document(document(n), f"bench-{n}")
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        read = sum(len(page) for page in connector.iter_documents("payout", SINCE))
        reading = time.perf_counter() - started
        assert read == count, (read, count)
        return statistics.median(times[:50]), statistics.median(times[-50:]), reading
    finally:
        connector.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as folder:
        shipped = run(Path(folder) / "shipped.gnucash", count, "1.0")
        baseline = run(Path(folder) / "baseline.gnucash", count, "0")
    for name, (first, last, reading) in (("shipped", shipped), ("baseline", baseline)):
        print(f"{name}: post median first50={first * 1000:.1f} ms last50={last * 1000:.1f} ms"
              f" read {count}={reading:.2f} s")  # fmt: skip
    print(f"ratio_last50={baseline[1] / shipped[1]:.1f}")


if __name__ == "__main__":
    main()
