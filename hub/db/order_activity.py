"""Which orders had something happen in a span of days: placed, paid, refunded,
cancelled or updated by the platform (reconciliation checks what their state requires)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, union
from sqlalchemy.orm import Session

from hub.db.tables import orders, payments, refunds

__all__ = ["active_order_ids"]


def active_order_ids(session: Session, tenant_id: int, start: date, end: date) -> list[int]:
    """Ids of the tenant's orders with any of those moments in [start, end] (whole days)."""
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    o, p, r = orders.c, payments.c, refunds.c

    def within(column: Any) -> ColumnElement[bool]:
        return (column >= since) & (column < until)  # type: ignore[no-any-return]

    query = union(
        select(o.id).where(
            o.tenant_id == tenant_id,
            or_(within(o.placed_at), within(o.cancelled_at), within(o.platform_updated_at)),
        ),
        select(p.order_id).where(p.tenant_id == tenant_id, within(p.processed_at)),
        select(r.order_id).where(r.tenant_id == tenant_id, within(r.created_at)),
    )
    return sorted(int(row[0]) for row in session.execute(query))
