"""Operator reports over a window of days: each is a list of flat rows (so the API, the
CLI, the dashboard and the CSV export share one shape). Aggregation is in Python over
small per-tenant selections, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_allocation import line_fulfilments
from hub.db.tables_sync import push_deliveries, sync_cursors, sync_errors, webhook_deliveries
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.domain.inventory import MovementKind
from hub.domain.orders import OrderStatus

__all__ = ["REPORTS", "run_report", "to_csv"]

Row = dict[str, Any]
DEAD = (OrderStatus.CANCELLED,)


def _on_hand(session: Session, tenant_id: int) -> dict[str, int]:
    sl, s = t.stock_levels.c, t.skus.c
    rows = session.execute(
        select(s.code, func.sum(sl.on_hand))
        .join(t.skus, s.id == sl.sku_id)
        .where(sl.tenant_id == tenant_id)
        .group_by(s.code)
    )
    return {code: int(total or 0) for code, total in rows}


def inventory_turnover(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Units shipped in the window over the average units on hand (start and now)."""
    m, s = t.stock_movements.c, t.skus.c
    shipped: dict[str, int] = defaultdict(int)
    delta: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(s.code, m.kind, m.quantity, m.on_hand_delta)
        .join(t.skus, s.id == m.sku_id)
        .where(m.tenant_id == tenant_id, m.created_at >= since)
    )
    for code, kind, quantity, on_hand_delta in rows:
        delta[code] += on_hand_delta
        if kind == MovementKind.SHIPMENT:
            shipped[code] += quantity
    result = []
    for code, now in sorted(_on_hand(session, tenant_id).items()):
        average = Decimal(now + (now - delta[code])) / 2
        turns = Decimal(shipped[code]) / average if average > 0 else Decimal(0)
        result.append(
            {
                "sku": code,
                "shipped": shipped[code],
                "average_on_hand": str(average),
                "on_hand": now,
                "turnover": str(turns.quantize(Decimal("0.01"))),
            }
        )
    return result


def abc_classification(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Revenue per SKU in the window, ranked; A = the first 80 %, B = the next 15 %."""
    ln, o, s = t.order_lines.c, t.orders.c, t.skus.c
    revenue: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows = session.execute(
        select(s.code, ln.currency, ln.quantity, ln.unit_price_amount)
        .join(t.orders, o.id == ln.order_id)
        .join(t.skus, s.id == ln.sku_id)
        .where(ln.tenant_id == tenant_id, o.placed_at >= since, o.status.not_in(DEAD))
        .where(ln.unit_price_amount.is_not(None))  # a price the platform did not state
    )
    for code, currency, quantity, price in rows:
        revenue[(code, currency)] += Decimal(quantity) * Decimal(price)
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
    m, s = t.stock_movements.c, t.skus.c
    last = dict(
        session.execute(
            select(s.code, func.max(m.created_at))
            .join(t.skus, s.id == m.sku_id)
            .where(m.tenant_id == tenant_id)
            .group_by(s.code)
        ).all()
    )
    return [
        {
            "sku": code,
            "on_hand": units,
            "last_movement": last[code].isoformat() if last.get(code) else None,
        }
        for code, units in sorted(_on_hand(session, tenant_id).items())
        if units > 0 and (last.get(code) is None or last[code] < since)
    ]


def _orders(session: Session, tenant_id: int, since: datetime) -> dict[int, Row]:
    o, c = t.orders.c, t.channels.c
    rows = session.execute(
        select(o.id, o.placed_at, o.status, c.name)
        .join(t.channels, c.id == o.channel_id)
        .where(o.tenant_id == tenant_id, o.placed_at >= since, o.status.not_in(DEAD))
    )
    return {i: {"placed_at": p, "status": st, "channel": ch} for i, p, st, ch in rows}


def _line_facts(session: Session, tenant_id: int, order_ids: list[int]) -> list[Row]:
    ln, f, r = t.order_lines.c, line_fulfilments.c, t.reservations.c
    lines = {
        i: {
            "order_id": o,
            "ordered": q,
            "shipped": 0,
            "returned": 0,
            "reserved": 0,
            "first_shipped_at": None,
        }
        for i, o, q in session.execute(
            select(ln.id, ln.order_id, ln.quantity).where(ln.order_id.in_(order_ids))
        )
    }
    ids = list(lines)
    for line_id, kind, quantity, at in session.execute(
        select(f.order_line_id, f.kind, f.quantity, f.created_at).where(f.order_line_id.in_(ids))
    ):
        facts = lines[line_id]
        if kind == "shipment":
            facts["shipped"] += quantity
            first = facts["first_shipped_at"]
            facts["first_shipped_at"] = at if first is None or at < first else first
        else:
            facts["returned"] += quantity
    for line_id, quantity in session.execute(
        select(r.order_line_id, r.quantity).where(r.order_line_id.in_(ids))
    ):
        lines[line_id]["reserved"] += quantity
    return list(lines.values())


def fill_rate(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: units shipped or reserved from stock over units ordered."""
    orders = _orders(session, tenant_id, since)
    ordered: dict[str, int] = defaultdict(int)
    filled: dict[str, int] = defaultdict(int)
    for facts in _line_facts(session, tenant_id, list(orders)):
        channel = orders[facts["order_id"]]["channel"]
        ordered[channel] += facts["ordered"]
        filled[channel] += min(facts["ordered"], facts["shipped"] + facts["reserved"])
    return [
        {
            "channel": ch,
            "units_ordered": ordered[ch],
            "units_filled": filled[ch],
            "fill_rate": str((Decimal(filled[ch]) / ordered[ch]).quantize(Decimal("0.0001"))),
        }
        for ch in sorted(ordered)
    ]


def cycle_time(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: hours from placed to the first shipment of the order."""
    orders = _orders(session, tenant_id, since)
    first: dict[int, datetime] = {}
    for facts in _line_facts(session, tenant_id, list(orders)):
        at = facts["first_shipped_at"]
        if at is not None and (facts["order_id"] not in first or at < first[facts["order_id"]]):
            first[facts["order_id"]] = at
    hours: dict[str, list[float]] = defaultdict(list)
    for order_id, shipped_at in first.items():
        order = orders[order_id]
        hours[order["channel"]].append((shipped_at - order["placed_at"]).total_seconds() / 3600)
    return [
        {
            "channel": ch,
            "shipped_orders": len(v),
            "median_hours": round(median(v), 2),
            "max_hours": round(max(v), 2),
        }
        for ch, v in sorted(hours.items())
    ]


def order_accuracy(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: shipped orders with nothing returned over shipped orders."""
    orders = _orders(session, tenant_id, since)
    shipped: dict[str, set[int]] = defaultdict(set)
    returned: dict[str, set[int]] = defaultdict(set)
    for facts in _line_facts(session, tenant_id, list(orders)):
        channel = orders[facts["order_id"]]["channel"]
        if facts["shipped"]:
            shipped[channel].add(facts["order_id"])
        if facts["returned"]:
            returned[channel].add(facts["order_id"])
    return [
        {
            "channel": ch,
            "shipped_orders": len(ids),
            "returned_orders": len(returned[ch]),
            "accuracy": str(
                (Decimal(len(ids - returned[ch])) / len(ids)).quantize(Decimal("0.0001"))
            ),
        }
        for ch, ids in sorted(shipped.items())
    ]


def sync_health(session: Session, tenant_id: int, since: datetime) -> list[Row]:
    """Per channel: last pull, open errors, webhooks and pushes in the window."""
    c = t.channels.c
    result = []
    for channel_id, name in session.execute(
        select(c.id, c.name).where(c.tenant_id == tenant_id).order_by(c.name)
    ):

        def count(table: Any, *where: Any, cid: int = channel_id) -> int:
            query = select(func.count()).select_from(table).where(table.c.channel_id == cid, *where)
            return int(session.execute(query).scalar_one())

        last_pull = session.execute(
            select(func.max(sync_cursors.c.updated_at)).where(
                sync_cursors.c.channel_id == channel_id
            )
        ).scalar_one()
        w, p = webhook_deliveries.c, push_deliveries.c
        result.append(
            {
                "channel": name,
                "last_sync": last_pull.isoformat() if last_pull else None,
                "open_errors": count(sync_errors, sync_errors.c.resolved_at.is_(None)),
                "webhooks_accepted": count(
                    webhook_deliveries, w.outcome == "accepted", w.received_at >= since
                ),
                "webhooks_rejected": count(
                    webhook_deliveries, w.outcome == "rejected", w.received_at >= since
                ),
                "pushes_accepted": count(
                    push_deliveries, p.outcome == "accepted", p.delivered_at >= since
                ),
                "pushes_rejected": count(
                    push_deliveries, p.outcome == "rejected", p.delivered_at >= since
                ),
            }
        )
    return result


REPORTS: dict[str, Callable[[Session, int, datetime], list[Row]]] = {
    "inventory-turnover": inventory_turnover,
    "abc": abc_classification,
    "stale-stock": stale_stock,
    "fill-rate": fill_rate,
    "cycle-time": cycle_time,
    "order-accuracy": order_accuracy,
    "sync-health": sync_health,
}


def run_report(
    session: Session, tenant_id: int, name: str, days: int, now: datetime | None = None
) -> list[Row]:
    if name not in REPORTS:
        raise InvalidValue("report", name, f"must be one of {', '.join(REPORTS)}", "report")
    if not 1 <= days <= 3650:
        raise InvalidValue("days", days, "must be between 1 and 3650", "report")
    since = (now or utcnow()) - timedelta(days=days)
    return REPORTS[name](session, tenant_id, since)


def to_csv(rows: list[Row]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
