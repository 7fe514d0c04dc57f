"""The two reads of the allocation hot path, one round trip each.

1. `load_order(s)`: lock the order rows (by id), then, in a second statement that sees
   everything committed before the lock was granted, read the channel's policy, lines,
   reservations and backorders.
2. `lock_snapshot`: every balance of the order's SKUs in every warehouse, locked
   ORDER BY sku_id, warehouse_id, lot_code, with the lot's expiry, the warehouse, and
   which channels sell from it (with their policies). Holding *all* balances of a SKU
   means any other change to that SKU waits for us, so the channel figures computed
   from this snapshot are exact when we publish them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db import tables_mapping as tm
from hub.db.allocation_store import LineRow, OrderRow, ReservationRow, is_bundle, policy_from_row
from hub.domain.allocation import AllocationPolicy
from hub.domain.catalog import WarehouseKind
from hub.domain.errors import NotFound
from hub.domain.inventory import StockLevel
from hub.domain.orders import OrderStatus, line_mapping_key


@dataclass
class OrderSnapshot:
    order: OrderRow
    policy: AllocationPolicy
    lines: list[LineRow] = field(default_factory=list)
    reservations: list[ReservationRow] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WarehouseInfo:
    country: str
    region: str
    priority: int
    allocatable: bool


@dataclass
class StockSnapshot:
    levels: dict[tuple[int, int, str], StockLevel] = field(default_factory=dict)
    expiry: dict[tuple[int, int, str], date | None] = field(default_factory=dict)
    warehouses: dict[int, WarehouseInfo] = field(default_factory=dict)
    members: dict[int, dict[int, int]] = field(default_factory=dict)  # channel -> {wh: rank}
    policies: dict[int, AllocationPolicy] = field(default_factory=dict)
    components: set[int] = field(default_factory=set)  # SKUs some bundle is made of


def expanding(name: str) -> Callable[[Any], Any]:
    return lambda column: column.in_(bindparam(name, expanding=True))


def load_orders_statement(ids_in: Callable[[Any], Any]) -> Any:
    o, p, ol = t.orders.c, ta.channel_allocation_policies, t.order_lines.c
    r, b = t.reservations.c, ta.backorders.c
    return (
        select(
            o.id,
            o.channel_id,
            o.external_id,
            o.status,
            o.status_reason,
            o.ship_to,
            o.customer_email,
            _flagged(o.tenant_id, o.customer_email),
            p.c.strategy,
            p.c.split_policy,
            p.c.shortfall_policy,
            p.c.buffer,
            p.c.share,
            p.c.max_to_list,
            p.c.end_when,
            p.c.review_over_amount,
            p.c.review_missing_country,
            ol.id.label("line_id"),
            ol.sku_id,
            # Units the platform already shipped itself (Amazon QuantityShipped) are gone:
            # the hub reserves and ships only the rest (OrderLine.quantity_to_ship).
            (ol.quantity - ol.quantity_shipped - ol.quantity_cancelled).label("quantity"),
            ol.external_id.label("line_ext"),
            ol.channel_sku,
            ol.platform_listing_id,
            ol.listing_id,
            is_bundle(ol.sku_id, ol.listing_id),
            r.id.label("res_id"),
            r.warehouse_id,
            r.sku_id.label("res_sku"),
            r.lot_code,
            r.quantity.label("res_qty"),
            b.quantity.label("backordered"),
        )
        .select_from(t.orders)
        .outerjoin(p, p.c.channel_id == o.channel_id)
        # the repeated id filter gives the lines an index condition of their own: planned
        # generically (allocation_pg), the join alone was a scan of every order line
        .outerjoin(t.order_lines, (ol.order_id == o.id) & ids_in(ol.order_id))
        .outerjoin(t.reservations, r.order_line_id == ol.id)
        .outerjoin(ta.backorders, b.order_line_id == ol.id)
        .where(o.tenant_id == bindparam("tenant"), ids_in(o.id))
        .order_by(o.id, ol.id, r.id)
    )


def _flagged(tenant_id: Any, email: Any) -> Any:
    """Whether the order's e-mail is flagged (the review rules read it with the order, so
    the hot path pays no extra round trip for them)."""
    f = ta.flagged_customers.c
    return (
        exists()
        .where(
            f.tenant_id == tenant_id,
            func.lower(func.trim(f.email)) == func.lower(func.trim(email)),
        )
        .label("flagged")
    )


def lock_orders_statement(ids_in: Callable[[Any], Any]) -> Any:
    o = t.orders.c
    return (
        select(o.id)
        .where(o.tenant_id == bindparam("tenant"), ids_in(o.id))
        .order_by(o.id)
        .with_for_update()
    )


_LOAD_ORDERS = load_orders_statement(expanding("ids"))
_LOCK_ORDERS = lock_orders_statement(expanding("ids"))


def load_orders(
    session: Session, tenant_id: int, order_ids: Iterable[int]
) -> dict[int, OrderSnapshot]:
    """The orders (locked in id order) with everything allocation reads about them."""
    params = {"tenant": tenant_id, "ids": sorted(set(order_ids))}
    # Lock first, read after, in two statements: a statement that waited for the lock
    # would see the order row's new version but lines and reservations from its old
    # snapshot (PostgreSQL re-checks only the locked row), and could reserve twice.
    session.execute(_LOCK_ORDERS, params)
    return parse_orders(session.execute(_LOAD_ORDERS, params).all())


def parse_orders(rows: Iterable[Any]) -> dict[int, OrderSnapshot]:
    """Rows of the load-orders statement (SQLAlchemy rows or driver named tuples)."""
    found: dict[int, OrderSnapshot] = {}
    seen: set[int] = set()
    for row in rows:
        snap = found.get(row.id)
        if snap is None:
            policy = policy_from_row(row if row.strategy is not None else None)
            order = OrderRow(
                row.id,
                row.channel_id,
                row.external_id,
                OrderStatus(row.status),
                row.status_reason,
                row.ship_to,
                row.customer_email,
                bool(row.flagged),
            )
            snap = found[row.id] = OrderSnapshot(order, policy)
        if row.line_id is None:
            continue
        if row.line_id not in seen:
            seen.add(row.line_id)
            name = row.line_ext or line_mapping_key(row.channel_sku, row.platform_listing_id) or ""
            snap.lines.append(
                LineRow(
                    row.line_id, row.sku_id, row.quantity, name, row.listing_id, bool(row.bundle)
                )
            )
            if row.backordered is not None:
                snap.backorders[row.line_id] = row.backordered
        if row.res_id is not None:
            snap.reservations.append(
                ReservationRow(
                    row.res_id,
                    row.line_id,
                    row.warehouse_id,
                    row.res_sku,
                    row.lot_code,
                    row.res_qty,
                )
            )
    return found


def load_order(session: Session, tenant_id: int, order_id: int) -> OrderSnapshot:
    found = load_orders(session, tenant_id, [order_id]).get(order_id)
    if found is None:
        raise NotFound("order", order_id)
    return found


def lock_snapshot_statement(skus_in: Callable[[Any], Any]) -> Any:
    s, lot, w = t.stock_levels.c, t.lots.c, t.warehouses.c
    cw, p = ta.channel_warehouses.c, ta.channel_allocation_policies
    return (
        select(
            t.stock_levels,
            lot.expires_on,
            w.country,
            w.region,
            w.priority,
            w.kind,
            cw.channel_id.label("member_of"),
            cw.rank,
            p.c.strategy,
            p.c.split_policy,
            p.c.shortfall_policy,
            p.c.buffer,
            p.c.share,
            p.c.max_to_list,
            p.c.end_when,
            p.c.review_over_amount,
            p.c.review_missing_country,
            exists().where(tm.bundle_components.c.component_sku_id == s.sku_id).label("component"),
        )
        .join(t.warehouses, w.id == s.warehouse_id)
        .outerjoin(t.lots, (lot.sku_id == s.sku_id) & (lot.code == s.lot_code))
        .outerjoin(ta.channel_warehouses, cw.warehouse_id == s.warehouse_id)
        .outerjoin(p, p.c.channel_id == cw.channel_id)
        .where(s.tenant_id == bindparam("tenant"), skus_in(s.sku_id))
        .order_by(s.sku_id, s.warehouse_id, s.lot_code)
        .with_for_update(of=t.stock_levels)
    )


_LOCK_SNAPSHOT = lock_snapshot_statement(expanding("skus"))


def lock_snapshot(session: Session, tenant_id: int, sku_ids: Iterable[int]) -> StockSnapshot:
    rows = session.execute(
        _LOCK_SNAPSHOT, {"tenant": tenant_id, "skus": sorted(set(sku_ids))}
    ).all()
    return parse_snapshot(rows)


def parse_snapshot(rows: Iterable[Any]) -> StockSnapshot:
    snap = StockSnapshot()
    for r in rows:
        key = (r.warehouse_id, r.sku_id, r.lot_code)
        if key not in snap.levels:
            snap.levels[key] = StockLevel(
                r.tenant_id,
                r.warehouse_id,
                r.sku_id,
                r.lot_code,
                r.on_hand,
                r.reserved,
                r.safety_stock,
                r.reorder_point,
                r.id,
            )
            snap.expiry[key] = r.expires_on
            if r.component:
                snap.components.add(r.sku_id)
            snap.warehouses[r.warehouse_id] = WarehouseInfo(
                r.country, r.region, r.priority, r.kind != WarehouseKind.MARKETPLACE_FULFILLED
            )
        if r.member_of is not None:
            snap.members.setdefault(r.member_of, {})[r.warehouse_id] = r.rank
            if r.member_of not in snap.policies:
                snap.policies[r.member_of] = policy_from_row(r if r.strategy is not None else None)
    return snap
