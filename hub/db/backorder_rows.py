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
from hub.db.tables_replenishment import WAITING, backorder_priorities
from hub.domain.catalog import WarehouseKind

__all__ = ["FillKey", "channels_with_free", "next_backorders"]


@dataclass(frozen=True)
class FillKey:
    """Where an order stands in the fill order (the keyset of the next page)."""

    rank: int  # minus the channel's priority: ascending is highest priority first
    placed_at: datetime
    order_id: int


def channels_with_free(
    session: Session, tenant_id: int, sku_ids: Iterable[int] | None, today: date
) -> dict[tuple[int, int], int]:
    """(channel, sku) -> free units (on hand, not reserved, not of an expired lot) in the
    channel's warehouses that orders may be allocated from (not marketplace ones), for
    `sku_ids` (None: every SKU with a backorder). Only those channels' backorders can be
    filled now."""
    s, cw, w, b = t.stock_levels.c, ta.channel_warehouses.c, t.warehouses.c, ta.backorders.c
    query = (
        select(cw.channel_id, s.sku_id, func.sum(s.on_hand - s.reserved).label("free"))
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
    rows: Any = session.execute(query.group_by(cw.channel_id, s.sku_id)).all()
    return {(r.channel_id, r.sku_id): int(r.free) for r in rows}


def next_backorders(
    session: Session,
    tenant_id: int,
    free: Iterable[tuple[int, int]],
    after: FillKey | None,
    limit: int,
) -> list[FillKey]:
    """The next `limit` backordered orders, in fill order after `after`, that wait for a
    SKU some channel of theirs has free (`free`: channels_with_free). A bundle line's
    backorder names its first component, so a bundle containing a free SKU counts too.

    One priority at a time (highest first): within it, the partial index of waiting
    orders (tenant, placed_at, id) is walked in order and the walk stops after `limit`
    matches, so a page costs a page, not the backlog."""
    pairs = set(free)
    if not pairs:
        return []
    b, ol, o = ta.backorders.c, t.order_lines.c, t.orders.c
    p, bundle = backorder_priorities.c, tm.bundle_components.c
    skus = sorted({sku for _c, sku in pairs})
    channels = sorted({c for c, _s in pairs})
    stated = dict(
        session.execute(
            select(p.channel_id, p.priority).where(
                p.tenant_id == tenant_id, p.channel_id.in_(channels)
            )
        ).all()
    )
    rank_of = {c: -int(stated.get(c, 0)) for c in channels}
    kits = select(bundle.bundle_sku_id).where(bundle.component_sku_id.in_(skus))
    listings = select(bundle.listing_id).where(bundle.component_sku_id.in_(skus))
    waits = (
        select(b.id)
        .select_from(ta.backorders)
        .join(t.order_lines, ol.id == b.order_line_id)
        .where(
            ol.order_id == o.id,
            or_(b.sku_id.in_(skus), ol.sku_id.in_(kits), ol.listing_id.in_(listings)),
        )
        .exists()
    )
    for rank in sorted(set(rank_of.values())):
        if after is not None and rank < after.rank:
            continue
        group = [c for c in channels if rank_of[c] == rank]
        query = (
            select(o.placed_at, o.id)
            .where(o.tenant_id == tenant_id, WAITING, o.channel_id.in_(group), waits)
            .order_by(o.placed_at, o.id)
            .limit(limit)
        )
        if after is not None and rank == after.rank:
            query = query.where(
                or_(
                    o.placed_at > after.placed_at,
                    and_(o.placed_at == after.placed_at, o.id > after.order_id),
                )
            )
        rows: Any = session.execute(query).all()
        if rows:
            return [FillKey(rank, r.placed_at, int(r.id)) for r in rows]
    return []
