"""Read models for the operator surfaces: orders as rows and one order in full, always
scoped to one tenant (an id of another tenant is simply not found)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.paging import Key, Slice, Total, keyset_page, total_of
from hub.db.tables_accounting import accounting_documents
from hub.db.tables_allocation import line_fulfilments
from hub.db.tables_sync import inbox_records
from hub.domain.errors import NotFound, UnknownAmount
from hub.domain.money import Money
from hub.domain.orders import Order, OrderStatus
from hub.domain.totals import check_totals

__all__ = [
    "OrderFilter",
    "count_orders",
    "list_orders",
    "order_detail",
    "order_facts",
    "orders_query",
    "page_orders",
    "raw_payloads",
]


@dataclass(frozen=True)
class OrderFilter:
    channel: str | None = None
    status: OrderStatus | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    statuses: tuple[OrderStatus, ...] = ()  # any of these (with `status`, both must hold)


def orders_query(tenant_id: int, where: OrderFilter) -> Any:
    o, c = t.orders.c, t.channels.c
    query = (
        select(
            o.id,
            o.external_id,
            o.status,
            o.status_reason,
            o.currency,
            o.customer_name,
            o.placed_at,
            c.name.label("channel"),
        )
        .join(t.channels, c.id == o.channel_id)
        .where(o.tenant_id == tenant_id)
    )
    if where.channel:
        query = query.where(c.name == where.channel)
    if where.status:
        query = query.where(o.status == where.status)
    if where.statuses:
        query = query.where(o.status.in_(where.statuses))
    if where.placed_from:
        query = query.where(o.placed_at >= where.placed_from)
    if where.placed_to:
        query = query.where(o.placed_at < where.placed_to)
    return query


# Newest first, ties by id: the order of the (tenant, placed_at, id) index and its
# status and channel siblings (migration 0010_list_indexes), so a page is an index range.
ORDER_KEY = (Key(t.orders.c.placed_at, "placed_at", datetime), Key(t.orders.c.id, "id", int))


def page_orders(
    session: Session,
    tenant_id: int,
    where: OrderFilter,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> Slice:
    found = keyset_page(
        session,
        orders_query(tenant_id, where),
        ORDER_KEY,
        descending=True,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Slice([{**r, "status": r["status"].value} for r in found.items], found.next_cursor)


def list_orders(
    session: Session, tenant_id: int, where: OrderFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    return page_orders(session, tenant_id, where, limit, offset).items


def count_orders(session: Session, tenant_id: int, where: OrderFilter) -> Total:
    """Exact for small sets, the planner's estimate past paging.EXACT_UP_TO (PostgreSQL)."""
    return total_of(session, orders_query(tenant_id, where))


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(query).mappings()]


def order_detail(session: Session, tenant_id: int, order_id: int) -> dict[str, Any]:
    rows = list_orders_by_id(session, tenant_id, order_id)
    if not rows:
        raise NotFound("order", order_id)
    order = rows[0]
    ln, sk = t.order_lines.c, t.skus.c
    order["lines"] = _rows(
        session,
        select(
            ln.id,
            ln.channel_sku,
            sk.code.label("sku"),
            ln.title,
            ln.quantity,
            ln.unit_price_amount.label("unit_price"),
            ln.currency,
        )
        .outerjoin(t.skus, sk.id == ln.sku_id)
        .where(ln.order_id == order_id, ln.tenant_id == tenant_id)
        .order_by(ln.id),
    )
    line_ids = [line["id"] for line in order["lines"]]
    r, w, f = t.reservations.c, t.warehouses.c, line_fulfilments.c
    order["reservations"] = _rows(
        session,
        select(r.id, r.order_line_id, w.code.label("warehouse"), r.lot_code, r.quantity)
        .join(t.warehouses, w.id == r.warehouse_id)
        .where(r.order_line_id.in_(line_ids), r.tenant_id == tenant_id)
        .order_by(r.id),
    )
    order["shipments"] = _rows(
        session,
        select(f.id, f.order_line_id, f.kind, w.code.label("warehouse"), f.quantity, f.created_at)
        .join(t.warehouses, w.id == f.warehouse_id)
        .where(f.order_line_id.in_(line_ids), f.tenant_id == tenant_id)
        .order_by(f.id),
    )
    d = accounting_documents.c
    order["documents"] = _rows(
        session,
        select(d.id, d.kind, d.key, d.status, d.total, d.currency, d.external_id)
        .where(d.tenant_id == tenant_id, d.source == f"order:{order_id}")
        .order_by(d.id),
    )
    order["raw_payload_url"] = f"/api/v1/orders/{order_id}/raw"
    unified = session.get(Order, order_id)
    assert unified is not None
    order["unified"] = order_facts(unified)
    return order


# Keys of the database and the mapper's scratch, not facts of the order.
_NOT_FACTS = frozenset({"id", "order_id", "tenant_id", "raw", "sku_id", "listing_id"})


def _fact(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_fact(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _fact(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _NOT_FACTS
        }
    return value


def _known(compute: Any) -> Any:
    try:
        return _fact(compute())
    except UnknownAmount:
        return None


def order_facts(order: Order) -> dict[str, Any]:
    """The unified order as JSON (docs/order-schema.json): every fact the platform stated,
    Money as {"amount": "12.30", "currency": "USD"}, unknown as null; plus the hub's own
    recomputed totals and the self-check's verdict."""
    facts: dict[str, Any] = _fact(order)
    facts["unknown_amounts"] = order.unknown_amounts()
    facts["recomputed_totals"] = {
        "subtotal": _known(lambda: order.subtotal),
        "discounts": _known(lambda: order.discount_total),
        "shipping": _known(lambda: order.shipping_total),
        "fees": _known(lambda: order.fee_total),
        "tax": _known(lambda: order.tax_total),
        "total": _known(lambda: order.grand_total),
    }
    check = check_totals(order)
    facts["totals_check"] = {
        "checked": check.checked,
        "skipped": check.skipped,
        "differences": [
            {"figure": d.figure, "ours": _fact(d.ours), "stated": _fact(d.stated)}
            for d in check.differences
        ],
    }
    return facts


def list_orders_by_id(session: Session, tenant_id: int, order_id: int) -> list[dict[str, Any]]:
    query = orders_query(tenant_id, OrderFilter()).where(t.orders.c.id == order_id)
    return [{**dict(r), "status": r["status"].value} for r in session.execute(query).mappings()]


def raw_payloads(session: Session, tenant_id: int, order_id: int) -> list[dict[str, Any]]:
    """Every archived payload that produced or updated the order, oldest first."""
    if not list_orders_by_id(session, tenant_id, order_id):
        raise NotFound("order", order_id)
    i = inbox_records.c
    return _rows(
        session,
        select(i.id, i.source, i.version, i.received_at, i.status, i.payload)
        .where(i.tenant_id == tenant_id, i.order_id == order_id)
        .order_by(i.id),
    )
