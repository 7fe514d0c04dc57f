"""Set-based queries behind the operator reports: each reads its window through an index
(orders by tenant and placed-at, ledger by tenant and created-at, migration
0010_list_indexes) and aggregates in the database, so its cost follows the window, never
the history, and no id list is ever sent as parameters (the driver refuses more than
65,535 of them). The same SQL runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_allocation import line_fulfilments
from hub.db.tables_sync import push_deliveries, sync_errors, sync_status, webhook_deliveries
from hub.domain.inventory import MovementKind
from hub.domain.orders import OrderStatus

__all__ = [
    "abc_revenue",
    "accuracy_per_channel",
    "cycle_time_per_channel",
    "fill_per_channel",
    "movement_per_sku",
    "stale_skus",
    "sync_health_per_channel",
]

DEAD = (OrderStatus.CANCELLED,)


def _epoch_seconds(session: Session, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        # UTCDateTime is a naive UTC text on SQLite; julianday parses it exactly.
        return (func.julianday(moment) - 2440587.5) * 86400.0
    return extract("epoch", moment)


def _window_lines(tenant_id: int, since: datetime, *facts: Any) -> Any:
    """One row per line of an order placed in the window (not cancelled): its channel,
    order, placed-at and ordered units, plus `facts`: per-line subqueries correlated on
    the line, each one probe of the line index of fulfilments or reservations, so the
    cost follows the window's lines (a join would let the planner hash the whole
    fulfilment history)."""
    o, c, ln = t.orders.c, t.channels.c, t.order_lines.c
    return (
        select(
            c.name.label("channel"),
            o.id.label("order_id"),
            o.placed_at,
            ln.quantity.label("ordered"),
            *facts,
        )
        .select_from(t.orders)
        .join(t.channels, c.id == o.channel_id)
        .join(t.order_lines, ln.order_id == o.id)
        .where(o.tenant_id == tenant_id, o.placed_at >= since, o.status.not_in(DEAD))
        .subquery("window_lines")
    )


def _fulfilled(kind: str) -> Any:
    f = line_fulfilments.c
    return f.order_line_id == t.order_lines.c.id, f.kind == kind


def fill_per_channel(tenant_id: int, since: datetime) -> Select[Any]:
    """(channel, units ordered, units shipped or reserved, capped at the line's order)."""
    f, r = line_fulfilments.c, t.reservations.c
    shipped = select(func.coalesce(func.sum(f.quantity), 0)).where(*_fulfilled("shipment"))
    reserved = select(func.coalesce(func.sum(r.quantity), 0)).where(
        r.order_line_id == t.order_lines.c.id
    )
    covered = (shipped.scalar_subquery() + reserved.scalar_subquery()).label("covered")
    lines = _window_lines(tenant_id, since, covered)
    filled = case((lines.c.covered < lines.c.ordered, lines.c.covered), else_=lines.c.ordered)
    return (
        select(lines.c.channel, func.sum(lines.c.ordered), func.sum(filled))
        .group_by(lines.c.channel)
        .order_by(lines.c.channel)
    )


def cycle_time_per_channel(session: Session, tenant_id: int, since: datetime) -> Select[Any]:
    """(channel, shipped orders, median hours, max hours) from placed to first shipment.
    The median is the mean of the middle one or two rows (the same answer as Python's
    statistics.median and PostgreSQL's percentile_cont(0.5)), written with window
    functions so SQLite runs it too."""
    f = line_fulfilments.c
    first = select(func.min(f.created_at)).where(*_fulfilled("shipment")).scalar_subquery()
    lines = _window_lines(tenant_id, since, first.label("first_shipped_at"))
    earliest = func.min(lines.c.first_shipped_at)
    hours = (
        _epoch_seconds(session, earliest) - _epoch_seconds(session, lines.c.placed_at)
    ) / 3600.0
    per_order = (
        select(lines.c.channel, hours.label("hours"))
        .where(lines.c.first_shipped_at.is_not(None))
        .group_by(lines.c.order_id, lines.c.channel, lines.c.placed_at)
        .cte("shipped_orders")
    )
    if session.get_bind().dialect.name == "postgresql":
        # One sort per channel; the portable median below scans the orders twice.
        return (
            select(
                per_order.c.channel,
                func.count(),
                func.percentile_cont(0.5).within_group(per_order.c.hours),
                func.max(per_order.c.hours),
            )
            .group_by(per_order.c.channel)
            .order_by(per_order.c.channel)
        )
    ranked = select(
        per_order.c.channel,
        per_order.c.hours,
        func.row_number()
        .over(partition_by=per_order.c.channel, order_by=per_order.c.hours)
        .label("rank"),
        func.count().over(partition_by=per_order.c.channel).label("n"),
    ).subquery("ranked")
    middle = or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
    medians = (
        select(ranked.c.channel, func.avg(ranked.c.hours).label("median"))
        .where(middle)
        .group_by(ranked.c.channel)
        .subquery("medians")
    )
    totals = (
        select(
            per_order.c.channel,
            func.count().label("orders"),
            func.max(per_order.c.hours).label("max"),
        )
        .group_by(per_order.c.channel)
        .subquery("totals")
    )
    return (
        select(totals.c.channel, totals.c.orders, medians.c.median, totals.c.max)
        .join(medians, medians.c.channel == totals.c.channel)
        .order_by(totals.c.channel)
    )


def accuracy_per_channel(tenant_id: int, since: datetime) -> Select[Any]:
    """(channel, shipped orders, orders with a return, shipped orders without one)."""
    # One probe of the line's fulfilments answers both: 1 = shipped, 2 = returned, 3 = both.
    f = line_fulfilments.c
    outcome = (
        select(
            func.max(case((f.kind == "shipment", 1), else_=0))
            + func.max(case((f.kind == "return", 2), else_=0))
        )
        .where(f.order_line_id == t.order_lines.c.id)
        .scalar_subquery()
    )
    lines = _window_lines(tenant_id, since, outcome.label("outcome"))
    per_order = (
        select(
            lines.c.channel,
            func.max(case((lines.c.outcome.in_((1, 3)), 1), else_=0)).label("shipped"),
            func.max(case((lines.c.outcome >= 2, 1), else_=0)).label("returned"),
        )
        .group_by(lines.c.order_id, lines.c.channel)
        .cte("order_outcomes")
    )
    p = per_order.c
    clean = case((and_(p.shipped == 1, p.returned == 0), 1), else_=0)
    return (
        select(p.channel, func.sum(p.shipped), func.sum(p.returned), func.sum(clean))
        .group_by(p.channel)
        .having(func.sum(p.shipped) > 0)
        .order_by(p.channel)
    )


def _on_hand_per_sku(tenant_id: int) -> Any:
    sl = t.stock_levels.c
    return (
        select(sl.sku_id, func.sum(sl.on_hand).label("on_hand"))
        .where(sl.tenant_id == tenant_id)
        .group_by(sl.sku_id)
        .subquery("on_hand")
    )


def movement_per_sku(tenant_id: int, since: datetime) -> Select[Any]:
    """(sku, on hand now, on-hand change in the window, units shipped in the window) for
    every SKU with a balance; the ledger is read for the window only."""
    m, s = t.stock_movements.c, t.skus.c
    moved = (
        select(
            m.sku_id,
            func.sum(m.on_hand_delta).label("delta"),
            func.sum(case((m.kind == MovementKind.SHIPMENT, m.quantity), else_=0)).label("shipped"),
        )
        .where(m.tenant_id == tenant_id, m.created_at >= since)
        .group_by(m.sku_id)
        .subquery("moved")
    )
    now = _on_hand_per_sku(tenant_id)
    return (
        select(
            s.code,
            now.c.on_hand,
            func.coalesce(moved.c.delta, 0),
            func.coalesce(moved.c.shipped, 0),
        )
        .select_from(now)
        .join(t.skus, s.id == now.c.sku_id)
        .outerjoin(moved, moved.c.sku_id == now.c.sku_id)
        .order_by(s.code)
    )


def stale_skus(tenant_id: int, since: datetime) -> Select[Any]:
    """(sku, on hand, last movement) of SKUs with units on hand and no movement since
    the window began: one index probe per SKU (ledger by tenant, SKU and created-at)."""
    m, s = t.stock_movements.c, t.skus.c
    now = _on_hand_per_sku(tenant_id)
    last = (
        select(func.max(m.created_at))
        .where(m.tenant_id == tenant_id, m.sku_id == now.c.sku_id)
        .scalar_subquery()
    )
    recent = exists().where(
        m.tenant_id == tenant_id, m.sku_id == now.c.sku_id, m.created_at >= since
    )
    return (
        select(s.code, now.c.on_hand, last.label("last_movement"))
        .select_from(now)
        .join(t.skus, s.id == now.c.sku_id)
        .where(now.c.on_hand > 0, ~recent)
        .order_by(s.code)
    )


def abc_revenue(tenant_id: int, since: datetime) -> Select[Any]:
    """(sku, currency, unit price, units) over the window's live orders. Units are
    summed per price so the multiplication stays exact Decimal on both databases
    (SQLite keeps amounts as text); the rows number SKUs x prices, not lines."""
    ln, o, s = t.order_lines.c, t.orders.c, t.skus.c
    return (
        select(s.code, ln.currency, ln.unit_price_amount, func.sum(ln.quantity))
        .select_from(t.orders)
        .join(t.order_lines, ln.order_id == o.id)
        .join(t.skus, s.id == ln.sku_id)
        .where(o.tenant_id == tenant_id, o.placed_at >= since, o.status.not_in(DEAD))
        .group_by(s.code, ln.currency, ln.unit_price_amount)
    )


def sync_health_per_channel(tenant_id: int, since: datetime) -> Select[Any]:
    """(channel, last successful sync, open errors, webhooks accepted and rejected, pushes
    accepted and rejected in the window): one statement, each figure an index probe per
    channel (deliveries by channel and time, migration 0010_list_indexes). The last sync
    is the last one that succeeded (sync_status), never when the scheduler claimed a job."""
    c = t.channels.c
    w, p, e, k = webhook_deliveries.c, push_deliveries.c, sync_errors.c, sync_status.c

    def counted(table: Any, *where: Any) -> Any:
        return (
            select(func.count())
            .select_from(table)
            .where(table.c.channel_id == c.id, *where)
            .scalar_subquery()
        )

    last_pull = select(func.max(k.last_success_at)).where(k.channel_id == c.id).scalar_subquery()
    return (
        select(
            c.name,
            last_pull,
            counted(sync_errors, e.resolved_at.is_(None)),
            counted(webhook_deliveries, w.outcome == "accepted", w.received_at >= since),
            counted(webhook_deliveries, w.outcome == "rejected", w.received_at >= since),
            counted(push_deliveries, p.outcome == "accepted", p.delivered_at >= since),
            counted(push_deliveries, p.outcome == "rejected", p.delivered_at >= since),
        )
        .where(c.tenant_id == tenant_id)
        .order_by(c.name)
    )
