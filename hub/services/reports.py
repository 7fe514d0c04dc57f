"""Operator reports over a window of days: each is a list of flat rows (so the API, the
CLI, the dashboard and the CSV export share one shape). The database aggregates over the
window (hub/db/report_queries.py); Python only shapes rows, one per channel or SKU."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from hub.db import report_queries as q
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.services.valuation import inventory_valuation

__all__ = ["REPORTS", "run_report", "to_csv"]

Row = dict[str, Any]


def inventory_turnover(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Units shipped in the window over the average units on hand (start and now)."""
    result = []
    for code, now, delta, shipped in session.execute(q.movement_per_sku(tenant_id, since)):
        now, delta, shipped = int(now or 0), int(delta), int(shipped)
        average = Decimal(now + (now - delta)) / 2
        turns = Decimal(shipped) / average if average > 0 else Decimal(0)
        result.append(
            {
                "sku": code,
                "shipped": shipped,
                "average_on_hand": str(average),
                "on_hand": now,
                "turnover": str(turns.quantize(Decimal("0.01"))),
            }
        )
    return result


def abc_classification(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Revenue per SKU in the window, ranked; A = the first 80 %, B = the next 15 %."""
    revenue: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for code, currency, price, units in session.execute(q.abc_revenue(tenant_id, since)):
        revenue[(code, currency)] += Decimal(int(units)) * Decimal(price)
    result: list[Row] = []
    for currency in sorted({c for _, c in revenue}):
        ranked = sorted(((v, k) for (k, c), v in revenue.items() if c == currency), reverse=True)
        total = sum((v for v, _ in ranked), Decimal(0)) or Decimal(1)
        running = Decimal(0)
        for value, code in ranked:
            share_before = running / total
            running += value
            klass = (
                "A"
                if share_before < Decimal("0.8")
                else "B"
                if share_before < Decimal("0.95")
                else "C"
            )
            result.append(
                {
                    "sku": code,
                    "currency": currency,
                    "revenue": str(value),
                    "cumulative_share": str((running / total).quantize(Decimal("0.0001"))),
                    "class": klass,
                }
            )
    return result


def stale_stock(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """呆滞品: SKUs with units on hand and no movement since the window began."""
    return [
        {
            "sku": code,
            "on_hand": int(units),
            "last_movement": last.isoformat() if last else None,
        }
        for code, units, last in session.execute(q.stale_skus(tenant_id, since))
    ]


def fill_rate(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: units shipped or reserved from stock over units ordered."""
    return [
        {
            "channel": ch,
            "units_ordered": int(ordered),
            "units_filled": int(filled),
            "fill_rate": str((Decimal(int(filled)) / int(ordered)).quantize(Decimal("0.0001"))),
        }
        for ch, ordered, filled in session.execute(q.fill_per_channel(tenant_id, since))
    ]


def cycle_time(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: hours from placed to the first shipment of the order."""
    query = q.cycle_time_per_channel(session, tenant_id, since)
    return [
        {
            "channel": ch,
            "shipped_orders": int(orders),
            "median_hours": round(float(middle), 2),
            "max_hours": round(float(longest), 2),
        }
        for ch, orders, middle, longest in session.execute(query)
    ]


def order_accuracy(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: shipped orders with nothing returned over shipped orders."""
    return [
        {
            "channel": ch,
            "shipped_orders": int(shipped),
            "returned_orders": int(returned),
            "accuracy": str((Decimal(int(clean)) / int(shipped)).quantize(Decimal("0.0001"))),
        }
        for ch, shipped, returned, clean in session.execute(
            q.accuracy_per_channel(tenant_id, since)
        )
    ]


def sync_health(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: last pull, open errors, webhooks and pushes in the window."""
    names = (
        "channel",
        "last_sync",
        "open_errors",
        "webhooks_accepted",
        "webhooks_rejected",
        "pushes_accepted",
        "pushes_rejected",
    )
    return [
        {
            **dict(zip(names, row, strict=True)),
            "last_sync": row[1].isoformat() if row[1] else None,
        }
        for row in session.execute(q.sync_health_per_channel(tenant_id, since))
    ]


REPORTS: dict[str, Callable[[Session, int, datetime], list[Row]]] = {
    "inventory-turnover": inventory_turnover,
    "abc": abc_classification,
    "stale-stock": stale_stock,
    "fill-rate": fill_rate,
    "cycle-time": cycle_time,
    "order-accuracy": order_accuracy,
    "sync-health": sync_health,
    # Point in time, not a window: see run_report's `at`.
    "valuation": lambda session, tenant_id, since: inventory_valuation(
        session, tenant_id, utcnow().date()
    ),
}


def run_report(
    session: Session,
    tenant_id: int,
    name: str,
    days: int,
    now: datetime | None = None,
    at: date | None = None,
) -> list[Row]:
    """`at`: the day a point-in-time report (valuation) is as of, at its end; default today."""
    if name == "valuation":
        return inventory_valuation(session, tenant_id, at or (now or utcnow()).date())
    if name not in REPORTS:
        raise InvalidValue("report", name, f"must be one of {', '.join(REPORTS)}", "report")
    if not 1 <= days <= 3650:
        raise InvalidValue("days", days, "must be between 1 and 3650", "report")
    since = (now or utcnow()) - timedelta(days=days)
    if session.get_bind().dialect.name == "postgresql":
        # These run in tens of milliseconds; PostgreSQL's JIT, triggered by the cost of
        # correlated per-line subqueries, spent 1.5 s compiling each one (bench/scale.py).
        session.execute(text("SET LOCAL jit = off"))
    return REPORTS[name](session, tenant_id, since)


def to_csv(rows: list[Row]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
