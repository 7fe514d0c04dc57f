"""Detection: each source turns what is new since its cursor into notifications, once per
occurrence, in one transaction with the cursor's advance (so a tick that dies notifies
nothing twice and loses nothing).

Sources and what "one occurrence" is:
- ``stock.low`` outbox events: one per event (the producer writes one per crossing of
  the reorder point); consumed here, so marked delivered.
- ``lot.near_expiry`` outbox events: one per (SKU, lot, warehouse, expiry date), however
  often the producer repeats it; read by cursor, left for any other consumer.
- orders allocated or paid and not shipped ``overdue_hours`` after they were placed:
  one per order.
- totals mismatches (error-queue entries of stage "totals"): one per entry.
- error-queue growth: once when the open count crosses the threshold (again only after
  it fell back), once per ``error_growth`` more errors (hub.domain.notifications).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.db import notification_rows as rows
from hub.db.outbox import Outbox
from hub.domain.notifications import ErrorQueueCheck, Kind, check_error_queue

__all__ = ["BATCH", "Thresholds", "detect"]

BATCH = 500  # rows per source per tick: a backlog drains over several ticks


@dataclass(frozen=True)
class Thresholds:
    overdue_hours: int
    error_threshold: int
    error_growth: int


@dataclass
class _Found:
    kind: Kind
    key: str
    subject: str
    payload: dict[str, Any]


def detect(session: Session, tenant_id: int, limits: Thresholds, now: datetime) -> dict[str, int]:
    """New notifications per kind (with their deliveries), in the caller's transaction."""
    found = (
        _stock_low(session, tenant_id)
        + _near_expiry(session, tenant_id)
        + _overdue(session, tenant_id, limits, now)
        + _totals(session, tenant_id)
        + _error_queue(session, tenant_id, limits)
    )
    subs = rows.subscribers(session, tenant_id)
    created: dict[str, int] = {}
    for f in found:
        wanted = [sid for sid, kinds in subs if not kinds or f.kind.value in kinds]
        if rows.add_notification(
            session, tenant_id, f.kind.value, f.key, f.subject, f.payload, now, wanted
        ):
            created[f.kind.value] = created.get(f.kind.value, 0) + 1
    return created


def _outbox(session: Session, tenant_id: int, topic: str) -> list[Any]:
    """New events of ``topic``; the cursor starts at the newest event the first time, so
    turning notifications on does not replay history."""
    state = rows.read_cursor(session, tenant_id, topic)
    if state is None:
        last = rows.last_outbox_id(session, tenant_id, topic)
        rows.write_cursor(session, tenant_id, topic, {"after_id": last}, existed=False)
        return []
    events = rows.outbox_since(session, tenant_id, topic, int(state["after_id"]), BATCH)
    if events:
        rows.write_cursor(session, tenant_id, topic, {"after_id": events[-1].id}, existed=True)
    return events


def _stock_low(session: Session, tenant_id: int) -> list[_Found]:
    events = _outbox(session, tenant_id, Kind.STOCK_LOW.value)
    if not events:
        return []
    warehouses, skus = rows.codes(
        session,
        tenant_id,
        {int(e.payload["warehouse_id"]) for e in events},
        {int(e.payload["sku_id"]) for e in events},
    )
    found = []
    for e in events:
        p = dict(e.payload)
        warehouse = warehouses.get(int(p["warehouse_id"]), f"#{p['warehouse_id']}")
        sku = skus.get(int(p["sku_id"]), f"#{p['sku_id']}")
        lot = f" lot {p['lot']}" if p.get("lot") else ""
        subject = (
            f"Low stock: {sku}{lot} at {warehouse}: {p['available']} available "
            f"(reorder point {p['reorder_point']})"
        )
        payload = {**p, "sku": sku, "warehouse": warehouse, "event_id": e.id}
        found.append(_Found(Kind.STOCK_LOW, f"event:{e.id}", subject, payload))
    Outbox(session, tenant_id).mark_delivered([e.id for e in events])
    return found


def _near_expiry(session: Session, tenant_id: int) -> list[_Found]:
    found = []
    for e in _outbox(session, tenant_id, Kind.NEAR_EXPIRY.value):
        p = dict(e.payload)
        key = f"{p.get('sku_id')}/{p.get('lot')}/{p.get('warehouse')}/{p.get('expires_on')}"
        subject = (
            f"Near expiry: lot {p.get('lot')} of {p.get('sku')} at {p.get('warehouse')} "
            f"expires on {p.get('expires_on')} ({p.get('quantity')} units)"
        )
        found.append(_Found(Kind.NEAR_EXPIRY, key, subject, p))
    return found


def _overdue(session: Session, tenant_id: int, limits: Thresholds, now: datetime) -> list[_Found]:
    if limits.overdue_hours <= 0:
        return []
    cutoff = now - timedelta(hours=limits.overdue_hours)
    found = []
    for o in rows.overdue_orders(session, tenant_id, cutoff, BATCH):
        label = o.number or o.external_id
        status = o.status.value
        hours = int((now - o.placed_at).total_seconds() // 3600)
        subject = f"Order {label} not dispatched {hours} h after it was placed ({status})"
        payload = {
            "order_id": o.id,
            "external_id": o.external_id,
            "number": o.number,
            "status": status,
            "financial_status": o.financial_status.value if o.financial_status else None,
            "placed_at": o.placed_at.isoformat(),
            "overdue_after_hours": limits.overdue_hours,
        }
        found.append(_Found(Kind.ORDER_OVERDUE, f"{rows.ORDER_KEY}{o.id}", subject, payload))
    return found


def _totals(session: Session, tenant_id: int) -> list[_Found]:
    source = Kind.TOTALS_MISMATCH.value
    state = rows.read_cursor(session, tenant_id, source)
    after = int(state["after_id"]) if state else 0
    errors = rows.totals_errors_since(session, tenant_id, after, BATCH)
    if errors:
        new_state = {"after_id": errors[-1].id}
        rows.write_cursor(session, tenant_id, source, new_state, existed=state is not None)
    return [
        _Found(
            Kind.TOTALS_MISMATCH,
            f"error:{e.id}",
            f"Totals mismatch: {e.record}",
            {"error_id": e.id, "record": e.record, "figures": e.field, "reason": e.reason},
        )
        for e in errors
    ]


def _error_queue(session: Session, tenant_id: int, limits: Thresholds) -> list[_Found]:
    source = Kind.ERRORS_GROWING.value
    state = rows.read_cursor(session, tenant_id, source)
    count = rows.open_error_count(session, tenant_id)
    before = ErrorQueueCheck(**state) if state else ErrorQueueCheck()
    after, reasons = check_error_queue(before, count, limits.error_threshold, limits.error_growth)
    if after != before:
        rows.write_cursor(session, tenant_id, source, asdict(after), existed=state is not None)
    payload = {
        "open_errors": count,
        "threshold": limits.error_threshold,
        "growth": limits.error_growth,
    }
    # The notice counter numbers the occurrences: each reason is its own dedupe key.
    return [
        _Found(
            Kind.ERRORS_GROWING,
            f"notice:{before.notices + i + 1}",
            f"Error queue: {reason}",
            {**payload, "reason": reason},
        )
        for i, reason in enumerate(reasons)
    ]
