"""Lots in SQL: which balances belong to an expired lot (never sellable), and lots near
their expiry date (the near-expiry report and alert)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from hub.db import tables as t

__all__ = ["expired_keys", "lot_join", "not_expired"]


def lot_join() -> ColumnElement[bool]:
    """The ON clause from stock_levels to its lot (an outer join: most stock has none)."""
    s, lot = t.stock_levels.c, t.lots.c
    return and_(lot.sku_id == s.sku_id, lot.code == s.lot_code)


def not_expired(today: date) -> ColumnElement[bool]:
    """True for a balance whose lot is undated, unexpired, or that has no lot (outer join).
    A lot is sellable through its expiry date (hub.domain.inventory.lot_expired)."""
    lot = t.lots.c
    return or_(lot.expires_on.is_(None), lot.expires_on >= today)


def expired_keys(session: Session, tenant_id: int, today: date) -> set[tuple[int, str]]:
    """(sku id, lot code) of every lot of the tenant that has expired by `today`."""
    lot = t.lots.c
    rows: Any = session.execute(
        select(lot.sku_id, lot.code).where(
            lot.tenant_id == tenant_id, lot.expires_on.is_not(None), lot.expires_on < today
        )
    ).all()
    return {(r.sku_id, r.code) for r in rows}
