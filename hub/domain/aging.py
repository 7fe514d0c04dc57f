"""Aged receivables and payables, as Xero's aged reports and A2X read them: every open
amount sits in one bucket by how many days past its due date it is on the as-of date
(due date = document date + the party's terms), summed per party and currency, with the
home-currency figure where the document carries its rate (unknown otherwise, never 0)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["BUCKETS", "OpenItem", "age_rows", "bucket_of"]

# (name, first day past due, last day past due); "current" is not yet due or due today.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


def bucket_of(days_past_due: int) -> str:
    for name, first, last in BUCKETS:
        if days_past_due >= first and (last is None or days_past_due <= last):
            return name
    raise AssertionError(days_past_due)  # the buckets cover every integer


@dataclass(frozen=True)
class OpenItem:
    """One document's open amount: positive is owed to us (receivable) or by us
    (payable); a credit note is negative."""

    group: tuple[str, ...]  # (channel, customer) or (supplier,)
    key: str
    day: date
    terms_days: int
    currency: str
    amount: Decimal
    fx_rate: Decimal | None  # home units per document unit; None when not recorded

    def due(self) -> date:
        return self.day + timedelta(days=self.terms_days)

    def days_past_due(self, as_of: date) -> int:
        return (as_of - self.due()).days


def _home(item: OpenItem, home: str) -> Decimal | None:
    if item.currency == home:
        return item.amount
    if item.fx_rate is None:
        return None
    return (item.amount * item.fx_rate).quantize(Decimal("0.01"))


def age_rows(
    items: Iterable[OpenItem], as_of: date, home: str, group_names: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One row per group and currency (buckets in that currency, plus the total in the
    home currency, None when a rate is unknown), then one total row per currency and a
    grand total in the home currency (its buckets None where a rate is unknown)."""
    sums: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
    grand: dict[str, Decimal | None] = {name: Decimal(0) for name, _, _ in BUCKETS}
    for item in items:
        if not item.amount:
            continue
        bucket = bucket_of(item.days_past_due(as_of))
        row = sums.setdefault(
            (item.group, item.currency),
            {"buckets": {n: Decimal(0) for n, _, _ in BUCKETS}, "home": Decimal(0), "n": 0},
        )
        row["buckets"][bucket] += item.amount
        row["n"] += 1
        home_amount = _home(item, home)
        row["home"] = _add(row["home"], home_amount)
        grand[bucket] = _add(grand[bucket], home_amount)
    rows: list[dict[str, Any]] = []
    per_currency: dict[str, dict[str, Any]] = {}
    for (group, currency), row in sorted(sums.items()):
        buckets = row["buckets"]
        sub = per_currency.setdefault(
            currency, {"buckets": {n: Decimal(0) for n, _, _ in BUCKETS}, "home": Decimal(0)}
        )
        for name in buckets:
            sub["buckets"][name] += buckets[name]
        sub["home"] = _add(sub["home"], row["home"])
        rows.append(_row(group_names, group, currency, buckets, row["home"], row["n"]))
    everyone = ("(total)",) * len(group_names)
    for currency, sub in sorted(per_currency.items()):
        count = sum(r["documents"] for r in rows if r["currency"] == currency)
        rows.append(_row(group_names, everyone, currency, sub["buckets"], sub["home"], count))
    if sums:
        known = all(v is not None for v in grand.values())
        rows.append(
            _row(
                group_names,
                everyone,
                f"{home} (home)",
                grand,
                sum((v for v in grand.values() if v is not None), Decimal(0)) if known else None,
                sum(r["n"] for r in sums.values()),
            )
        )
    return rows


def _row(
    names: tuple[str, ...],
    group: tuple[str, ...],
    currency: str,
    buckets: dict[str, Decimal | None],
    home: Decimal | None,
    count: int,
) -> dict[str, Any]:
    known = [v for v in buckets.values() if v is not None]
    total = sum(known, Decimal(0)) if len(known) == len(buckets) else None
    return {
        **dict(zip(names, group, strict=True)),
        "currency": currency,
        **{name: _s(buckets[name]) for name, _, _ in BUCKETS},
        "total": _s(total),
        "home_total": _s(home),
        "documents": count,
    }


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """Unknown stays unknown: a sum with an unknown part is not a figure."""
    return None if a is None or b is None else a + b


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
