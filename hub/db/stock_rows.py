"""Stock balances as rows for the operator lists, filtered and paged in SQL (the list
used to load every balance of the tenant and page in Python)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, case, select

from hub.db import tables as t
from hub.db.lot_rows import lot_join, not_expired
from hub.db.paging import Key
from hub.domain.clock import utcnow

__all__ = ["BALANCE_KEY", "balances"]

# SKU code, warehouse code, lot: unique per tenant (uq_skus_tenant_code,
# uq_warehouses_tenant_code, uq_stock_levels_wh_sku_lot), so a total order for keyset
# paging; the planner walks the SKUs by their (tenant, code) index and probes the
# balances of each, so a page reads about a page of rows.
BALANCE_KEY = (
    Key(t.skus.c.code, "sku", str),
    Key(t.warehouses.c.code, "warehouse", str),
    Key(t.stock_levels.c.lot_code, "lot", str),
)


def balances(
    tenant_id: int,
    warehouse: str | None = None,
    sku: str | None = None,
    low: bool = False,
    today: date | None = None,
) -> Select[Any]:
    """Per SKU, warehouse and lot: on hand, reserved, safety stock, available
    (on_hand - reserved - safety_stock, floor 0; 0 for a lot expired by `today`) and
    `low` (available <= safety stock)."""
    sl, s, w = t.stock_levels.c, t.skus.c, t.warehouses.c
    free = sl.on_hand - sl.reserved - sl.safety_stock
    available = case((~not_expired(today or utcnow().date()), 0), (free > 0, free), else_=0)
    query = (
        select(
            w.code.label("warehouse"),
            s.code.label("sku"),
            sl.lot_code.label("lot"),
            sl.on_hand,
            sl.reserved,
            sl.safety_stock,
            available.label("available"),
            (available <= sl.safety_stock).label("low"),
        )
        .select_from(t.stock_levels)
        .join(t.skus, s.id == sl.sku_id)
        .join(t.warehouses, w.id == sl.warehouse_id)
        .outerjoin(t.lots, lot_join())
        .where(sl.tenant_id == tenant_id)
    )
    if warehouse is not None:
        query = query.where(w.code == warehouse)
    if sku is not None:
        query = query.where(s.code == sku)
    if low:
        query = query.where(available <= sl.safety_stock)
    return query
