"""The published-figure rows and the pooled stock behind them (Core queries).

`lock_published` creates-or-locks the (channel, SKU) figure rows in one statement;
`lock_listing_figures` does the same for bundle listings; `pooled` sums per-warehouse
available over each channel's sellable warehouses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.lot_rows import lot_join, not_expired
from hub.domain.catalog import WarehouseKind
from hub.domain.clock import utcnow

__all__ = ["lock_listing_figures", "lock_published", "pooled"]


def lock_published(
    session: Session, tenant_id: int, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(channel, sku) -> (row id, version, available), rows created at version 0 and
    locked (the no-op ON CONFLICT update takes the row lock on PostgreSQL)."""
    v = ta.channel_stock_versions
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(v).values(
        [
            {"tenant_id": tenant_id, "channel_id": c, "sku_id": s, "version": 0, "available": -1}
            for c, s in pairs
        ]
    )
    # On conflict keep the stored version: the point of the no-op update is the row lock.
    statement = statement.on_conflict_do_update(
        index_elements=[v.c.channel_id, v.c.sku_id], set_={"version": v.c.version}
    )
    rows = session.execute(
        statement.returning(v.c.id, v.c.channel_id, v.c.sku_id, v.c.version, v.c.available)
    ).all()
    return {(r.channel_id, r.sku_id): (r.id, r.version, r.available) for r in rows}


def pooled(
    session: Session,
    tenant_id: int,
    channel_ids: Iterable[int],
    sku_ids: Iterable[int],
    today: date | None = None,
) -> dict[tuple[int, int], int]:
    """(channel, sku) -> sum of per-warehouse available over the channel's warehouses.
    Balances of a lot expired by `today` (default: today, UTC) count for nothing."""
    s, cw, w = t.stock_levels.c, ta.channel_warehouses.c, t.warehouses.c
    free = s.on_hand - s.reserved - s.safety_stock
    day = today or utcnow().date()
    rows: Any = session.execute(
        select(cw.channel_id, s.sku_id, func.sum(case((free > 0, free), else_=0)))
        .select_from(ta.channel_warehouses)
        .join(t.warehouses, w.id == cw.warehouse_id)
        .join(t.stock_levels, and_(s.warehouse_id == cw.warehouse_id, s.tenant_id == tenant_id))
        .outerjoin(t.lots, lot_join())
        .where(
            cw.tenant_id == tenant_id,
            cw.channel_id.in_(list(channel_ids)),
            s.sku_id.in_(list(sku_ids)),
            w.kind != WarehouseKind.MARKETPLACE_FULFILLED,
            not_expired(day),
        )
        .group_by(cw.channel_id, s.sku_id)
    ).all()
    return {(c, sku): int(total) for c, sku, total in rows}


def lock_listing_figures(
    session: Session, tenant_id: int, listings: dict[int, int]
) -> dict[int, tuple[int, int, int]]:
    """listing id -> (row id, version, available) for bundle listings ({listing: channel}),
    created at version 0 and locked like `lock_published`."""
    v = ta.listing_stock_versions
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(v).values(
        [
            {"tenant_id": tenant_id, "channel_id": c, "listing_id": lid, "version": 0,
             "available": -1}
            for lid, c in sorted(listings.items())
        ]
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=[v.c.listing_id], set_={"version": v.c.version}
    )
    rows = session.execute(
        statement.returning(v.c.id, v.c.listing_id, v.c.version, v.c.available)
    ).all()
    return {r.listing_id: (r.id, r.version, r.available) for r in rows}
