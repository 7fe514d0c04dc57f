"""Lots in SQL: which balances belong to an expired lot (never sellable), and lots near
their expiry date (the near-expiry report and alert)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_replenishment import lot_alerts, lot_expiries

__all__ = [
    "alerted_within",
    "claim",
    "expired_keys",
    "lot_join",
    "near_expiry_rows",
    "newly_expired",
    "not_expired",
    "reserved_expired",
]


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


def near_expiry_rows(session: Session, tenant_id: int, until: date) -> list[Any]:
    """Balances with units on hand of a lot that expires on or before `until` (expired
    ones included), soonest first: lot_id, sku_id, sku, lot, warehouse_id, warehouse,
    expires_on, on_hand, reserved."""
    s, lot, sku, w = t.stock_levels.c, t.lots.c, t.skus.c, t.warehouses.c
    return list(
        session.execute(
            select(
                lot.id.label("lot_id"),
                lot.sku_id,
                sku.code.label("sku"),
                lot.code.label("lot"),
                w.id.label("warehouse_id"),
                w.code.label("warehouse"),
                lot.expires_on,
                s.on_hand,
                s.reserved,
            )
            .select_from(t.lots)
            .join(t.stock_levels, lot_join())
            .join(t.skus, sku.id == lot.sku_id)
            .join(t.warehouses, w.id == s.warehouse_id)
            .where(
                lot.tenant_id == tenant_id,
                lot.expires_on.is_not(None),
                lot.expires_on <= until,
                s.on_hand > 0,
            )
            .order_by(lot.expires_on, sku.code, lot.code, w.code)
        ).all()
    )


def newly_expired(session: Session, tenant_id: int, today: date) -> list[Any]:
    """Lots expired by `today` whose expiry the published figures do not reflect yet:
    lot_id, sku_id."""
    lot, done = t.lots.c, lot_expiries.c
    return list(
        session.execute(
            select(lot.id.label("lot_id"), lot.sku_id)
            .where(
                lot.tenant_id == tenant_id,
                lot.expires_on.is_not(None),
                lot.expires_on < today,
                ~exists().where(done.lot_id == lot.id),
            )
            .order_by(lot.id)
        ).all()
    )


def claim(session: Session, table: Table, rows: list[dict[str, Any]], key: list[str]) -> set[Any]:
    """Insert `rows` into `table`, skipping those whose `key` columns are already there
    (ON CONFLICT DO NOTHING); the keys actually inserted. Two runs at once claim each row
    once: the notice that goes with it is written once."""
    if not rows:
        return set()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    columns = [table.c[k] for k in key]
    statement = insert(table).values(rows).on_conflict_do_nothing(index_elements=columns)
    found = session.execute(statement.returning(*columns)).all()
    return {tuple(r) for r in found}


def alerted_within(session: Session, tenant_id: int, window: int) -> set[tuple[int, int]]:
    """(lot id, warehouse id) already announced at this window or a tighter one: a wider
    window set later does not announce them again (a tighter one does: more urgent)."""
    a = lot_alerts.c
    rows: Any = session.execute(
        select(a.lot_id, a.warehouse_id)
        .where(a.tenant_id == tenant_id, a.threshold_days <= window)
        .distinct()
    ).all()
    return {(r.lot_id, r.warehouse_id) for r in rows}


def reserved_expired(session: Session, tenant_id: int, today: date) -> dict[int, list[int]]:
    """order id -> its line ids holding a reservation of a lot expired by `today` (goods
    that must not ship: the upkeep moves those reservations to sellable lots)."""
    r, lot, ol = t.reservations.c, t.lots.c, t.order_lines.c
    rows: Any = session.execute(
        select(ol.order_id, r.order_line_id)
        .select_from(t.lots)
        .join(t.reservations, and_(r.sku_id == lot.sku_id, r.lot_code == lot.code))
        .join(t.order_lines, ol.id == r.order_line_id)
        .where(lot.tenant_id == tenant_id, lot.expires_on.is_not(None), lot.expires_on < today)
        .distinct()
        .order_by(ol.order_id, r.order_line_id)
    ).all()
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(row.order_id, []).append(row.order_line_id)
    return found
