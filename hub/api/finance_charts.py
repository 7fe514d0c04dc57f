"""What the finance page draws: per currency, the open amount in each aging bucket; for
payout clearing, how many payouts are in each state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.api.charts import Bar, bar_chart
from hub.domain.aging import BUCKETS

__all__ = ["Chart", "finance_charts"]

CLEAR, LEFT, UNMATCHED, WAITING = "cleared", "clearing left", "no bank line", "not settled"


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    alarm: frozenset[str] = field(default_factory=frozenset)  # labels drawn in red


def finance_charts(name: str, rows: Sequence[dict[str, Any]]) -> list[Chart]:
    if name == "payout-clearing":
        return [_payout_states(rows)] if rows else []
    charts = []
    for row in rows:
        if "(total)" not in row.values():
            continue
        figures = [(b, row[b]) for b, _, _ in BUCKETS]
        if any(v is None for _, v in figures):
            continue  # a bucket with an unknown rate in it: no honest bar to draw
        late = frozenset(b for b, _, _ in BUCKETS[1:])
        bars = bar_chart([(b, Decimal(v)) for b, v in figures])
        charts.append(Chart(f"Open {row['currency']} by days past due", bars, late))
    return charts


def _payout_states(rows: Sequence[dict[str, Any]]) -> Chart:
    counts = dict.fromkeys((CLEAR, LEFT, UNMATCHED, WAITING), 0)
    for r in rows:
        if not r["channel_settled"]:
            counts[WAITING] += 1
        elif r["clearing_left"] not in (None, "0") and Decimal(r["clearing_left"]):
            counts[LEFT] += 1
        elif r["bank_match"] != "matched":
            counts[UNMATCHED] += 1
        else:
            counts[CLEAR] += 1
    bars = bar_chart([(k, Decimal(v)) for k, v in counts.items()])
    return Chart("Payouts by clearing state", bars, frozenset({LEFT, UNMATCHED, WAITING}))
