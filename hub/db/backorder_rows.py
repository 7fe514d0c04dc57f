"""Backorders in the order they are filled: the channel's backorder priority (higher
first), then when the order was placed (older first), then the order id.

Read a page at a time with a keyset (the last order's key), so filling a few orders
costs a few pages whatever the number of backorders waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db import tables_mapping as tm
from hub.db.lot_rows import lot_join, not_expired
from hub.db.tables_replenishment import backorder_priorities
from hub.domain.catalog import WarehouseKind
from hub.domain.orders import OrderStatus

__all__ = ["FillKey", "channels_with_free", "next_backorders", "skus_with_free"]


@dataclass(frozen=True)
class FillKey:
    """Where an order stands in the fill order (the keyset of the next page)."""

    rank: int  # minus the channel's priority: ascending is highest priority first
    placed_at: datetime
    order_id: int


def skus_with_free(
    session: Session, tenant_id: int, sku_ids: Iterable[int] | None, today: date
) -> set[int]:
    """SKUs (of `sku_ids`, None: any with a backorder) with free units (on hand, not
    reserved, not of an expired lot) in a warehouse orders may be allocated from."""
    return {sku for _c, sku in channels_with_free(session, tenant_id, sku_ids, today)}


def channels_with_free(
    session: Session, tenant_id: int, sku_ids: Iterable[int] | None, today: date
) -> set[tuple[int, int]]:
    """(channel, sku) pairs where the channel sells from a warehouse holding free units
    of the SKU: only those channels' backorders can be filled now."""
    s, cw, w, b = t.stock_levels.c, ta.channel_warehouses.c, t.warehouses.c, ta.backorders.c
    query = (
        select(cw.channel_id, s.sku_id)
        .distinct()
        .select_from(t.stock_levels)
        .join(t.warehouses, w.id == s.warehouse_id)
        .join(ta.channel_warehouses, cw.warehouse_id == s.warehouse_id)
        .outerjoin(t.lots, lot_join())
        .where(
            s.tenant_id == tenant_id,
            s.on_hand > s.reserved,
            w.kind != WarehouseKind.MARKETPLACE_FULFILLED,
            not_expired(today),
        )
    )
    if sku_ids is not None:
        query = query.where(s.sku_id.in_(sorted(set(sku_ids))))
    else:
        waiting = select(b.sku_id).where(b.tenant_id == tenant_id).distinct()
        bundle = tm.bundle_components.c
        parts = select(bundle.component_sku_id).where(bundle.tenant_id == tenant_id)
        query = query.where(or_(s.sku_id.in_(waiting), s.sku_id.in_(parts)))
    rows: Any = session.execute(query).all()
    return {(r.channel_id, r.sku_id) for r in rows}


def next_backorders(
    session: Session,
    tenant_id: int,
    free: set[tuple[int, int]],
    after: FillKey | None,
    limit: int,
    statuses: Iterable[OrderStatus],
) -> list[FillKey]:
    """The next `limit` backordered orders, in fill order after `after`, that wait for a
    SKU some channel of theirs has free (`free`: channels_with_free). A bundle line's
    backorder names its first component, so a bundle containing a free SKU counts too."""
    if not free:
        return []
    b, ol, o = ta.backorders.c, t.order_lines.c, t.orders.c
    p, bundle = backorder_priorities.c, tm.bundle_components.c
    skus = sorted({sku for _c, sku in free})
    channels = sorted({c for c, _s in free})
    kits = select(bundle.bundle_sku_id).where(bundle.component_sku_id.in_(skus))
    listings = select(bundle.listing_id).where(bundle.component_sku_id.in_(skus))
    rank = -func.coalesce(p.priority, 0)
    query = (
        select(rank.label("rank"), o.placed_at, o.id)
        .distinct()
        .select_from(ta.backorders)
        .join(t.order_lines, ol.id == b.order_line_id)
        .join(t.orders, o.id == ol.order_id)
        .outerjoin(backorder_priorities, p.channel_id == o.channel_id)
        .where(
            b.tenant_id == tenant_id,
            o.channel_id.in_(channels),
            o.status.in_([s.value for s in statuses]),
            or_(b.sku_id.in_(skus), ol.sku_id.in_(kits), ol.listing_id.in_(listings)),
        )
        .order_by(rank, o.placed_at, o.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            or_(
                rank > after.rank,
                and_(rank == after.rank, o.placed_at > after.placed_at),
                and_(rank == after.rank, o.placed_at == after.placed_at, o.id > after.order_id),
            )
        )
    rows: Any = session.execute(query).all()
    return [FillKey(int(r.rank), r.placed_at, int(r.id)) for r in rows]
