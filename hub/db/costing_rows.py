"""Costing queries: value each valued movement at the moving average, in the movement's
own transaction, and read the values back for documents and the valuation report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_costing import movement_costs, receipt_landed_costs, sku_costs
from hub.domain.clock import utcnow
from hub.domain.costing import VALUED, CostState, MissingCost
from hub.domain.inventory import Movement, MovementKind
from hub.domain.money import Money

__all__ = [
    "CostEntry",
    "LandedCosts",
    "add_landed_costs",
    "cost_entries",
    "landed_costs",
    "on_hand_before",
    "record_costs",
    "revalue",
    "sku_states",
]


@dataclass(frozen=True)
class CostEntry:
    """A valued movement (or an opening valuation), as the documents and reports read it."""

    id: int
    movement_id: int | None
    sku_id: int
    sku: str
    kind: str  # a MovementKind, or "opening"
    quantity: int  # the on-hand change
    value: Money | None  # None: no cost; `missing` says why
    missing: str | None
    reason: str
    reference: str | None
    created_at: datetime


def record_costs(
    session: Session,
    tenant_id: int,
    movements: Sequence[Movement],
    receipt_values: Mapping[int, Money] | None = None,
    dated: Mapping[int, datetime] | None = None,
) -> None:
    """Value every valued movement (ids assigned) and move its SKU's average. Receipts
    take their value from `receipt_values` (movement id -> the line's cost); one without
    one, or a movement of a SKU never received at a price, is stored without a value and
    the reason, so its document is held naming the SKU. `dated`: when a movement counts
    in the books, if not when it was recorded (a receipt recorded late: its bill's day)."""
    valued = [m for m in movements if m.kind in VALUED and m.on_hand_delta != 0]
    if not valued:
        return
    # A lot-tracked SKU is costed per lot (each lot its own layer, at what that lot
    # cost), any other SKU per SKU. One lock per layer, in (SKU, lot) order, per batch.
    tracked = _lot_tracked(session, {m.sku_id for m in valued})
    layer = {m.id: (m.sku_id, m.lot_code if m.sku_id in tracked else "") for m in valued}
    states = _lock_states(session, tenant_id, sorted(set(layer.values())))
    rows = []
    for m in valued:
        assert m.id is not None, "movements are valued once stored"
        state = states[layer[m.id]]
        value: Money | None = None
        missing: str | None = None
        try:
            if m.kind is MovementKind.RECEIPT:
                bought = (receipt_values or {}).get(m.id)
                if bought is None:
                    raise MissingCost(state.sku, "the receipt states no unit cost")
                value = state.receive(m.on_hand_delta, bought)
            else:
                value = state.move(m.on_hand_delta)
        except MissingCost as exc:
            missing = str(exc)
        rows.append(
            {
                "tenant_id": tenant_id,
                "movement_id": m.id,
                "sku_id": m.sku_id,
                "lot_code": layer[m.id][1],
                "kind": str(m.kind),
                "quantity": m.on_hand_delta,
                "currency": value.currency if value else state.currency,
                "value": value.amount if value else None,
                "unit_cost": state.unit_cost,
                "missing": missing,
                "reason": m.reason,
                "reference": m.reference,
                "created_at": (dated or {}).get(m.id, m.created_at),
            }
        )
    session.execute(insert(movement_costs), rows)
    _save_states(session, states)


Layer = tuple[int, str]  # (sku id, lot code; "" unless the SKU is lot-tracked)


def _lot_tracked(session: Session, sku_ids: set[int]) -> set[int]:
    s = t.skus.c
    return set(session.scalars(select(s.id).where(s.id.in_(sku_ids), s.lot_tracked.is_(True))))


def _save_states(session: Session, states: Mapping[Layer, CostState]) -> None:
    c, now = sku_costs.c, utcnow()
    for (sku_id, lot), state in states.items():
        session.execute(
            update(sku_costs)
            .where(c.sku_id == sku_id, c.lot_code == lot)
            .values(
                currency=state.currency,
                quantity=state.quantity,
                value=state.value,
                unit_cost=state.unit_cost,
                updated_at=now,
            )
        )


def _lock_states(session: Session, tenant_id: int, layers: list[Layer]) -> dict[Layer, CostState]:
    c = sku_costs.c
    sku_ids = sorted({sku_id for sku_id, _ in layers})
    fresh = {"quantity": 0, "value": Decimal(0), "updated_at": utcnow(), "tenant_id": tenant_id}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            pg_insert(sku_costs)
            .values([{**fresh, "sku_id": s, "lot_code": lot} for s, lot in layers])
            .on_conflict_do_nothing(index_elements=["sku_id", "lot_code"])
        )
    else:  # SQLite: the transaction holds the write lock already
        found = session.execute(select(c.sku_id, c.lot_code).where(c.sku_id.in_(sku_ids)))
        have = {(sku_id, lot) for sku_id, lot in found}
        new = [{**fresh, "sku_id": s, "lot_code": lot} for s, lot in layers if (s, lot) not in have]
        if new:
            session.execute(insert(sku_costs), new)
    s = t.skus.c
    skus = {
        r.id: r
        for r in session.execute(
            select(s.id, s.code, s.unit_cost_amount, s.unit_cost_currency).where(s.id.in_(sku_ids))
        )
    }
    rows = session.execute(
        select(c.sku_id, c.lot_code, c.currency, c.quantity, c.value, c.unit_cost)
        .where(c.sku_id.in_(sku_ids))
        .order_by(c.sku_id, c.lot_code)
        .with_for_update()
    ).all()
    wanted = set(layers)
    states = {}
    for r in rows:
        if (r.sku_id, r.lot_code) not in wanted:
            continue  # another lot of the SKU: locked too, left alone
        sku = skus[r.sku_id]
        name = f"{sku.code} lot {r.lot_code}" if r.lot_code else sku.code
        state = CostState(name, r.currency, r.quantity, r.value, r.unit_cost)
        if state.unit_cost is None and Decimal(sku.unit_cost_amount or 0) > 0:
            # Never received at a price: the catalog's unit cost, when one is stated,
            # starts the average (a zero there is no cost, so the movement is held).
            state.currency = sku.unit_cost_currency
            state.unit_cost = Decimal(sku.unit_cost_amount)
        states[(r.sku_id, r.lot_code)] = state
    return states


def revalue(session: Session, tenant_id: int, entry_id: int) -> None:
    """Value a movement stored without a cost, now that its SKU has one (a priced
    receipt since, or a unit cost set in the catalog); still none: nothing changes."""
    m = movement_costs.c
    row = session.execute(
        select(movement_costs).where(m.tenant_id == tenant_id, m.id == entry_id).with_for_update()
    ).one()
    if row.value is not None or row.kind == MovementKind.RECEIPT:
        return
    states = _lock_states(session, tenant_id, [(row.sku_id, row.lot_code)])
    state = states[(row.sku_id, row.lot_code)]
    try:
        value = state.move(row.quantity)
    except MissingCost:
        return
    session.execute(
        update(movement_costs)
        .where(m.id == entry_id)
        .values(
            value=value.amount, currency=value.currency, unit_cost=state.unit_cost, missing=None
        )
    )
    _save_states(session, states)


def cost_entries(
    session: Session,
    tenant_id: int,
    *,
    before: datetime | None = None,
    ids: Sequence[int] | None = None,
) -> list[CostEntry]:
    """Every valued movement of the tenant (those before `before`), oldest first."""
    m = movement_costs.c
    query = (
        select(movement_costs, t.skus.c.code)
        .join(t.skus, t.skus.c.id == m.sku_id)
        .where(m.tenant_id == tenant_id)
        .order_by(m.created_at, m.id)
    )
    if before is not None:
        query = query.where(m.created_at < before)
    if ids is not None:
        query = query.where(m.id.in_(ids))
    return [
        CostEntry(
            r.id,
            r.movement_id,
            r.sku_id,
            r.code,
            r.kind,
            r.quantity,
            Money(r.value, r.currency) if r.value is not None and r.currency else None,
            r.missing,
            r.reason,
            r.reference,
            r.created_at,
        )
        for r in session.execute(query)
    ]


def sku_states(session: Session, tenant_id: int) -> dict[Layer, CostState]:
    """The current average per SKU, or per lot of a lot-tracked SKU (not locked)."""
    c = sku_costs.c
    rows = session.execute(
        select(c.sku_id, c.lot_code, t.skus.c.code, c.currency, c.quantity, c.value, c.unit_cost)
        .join(t.skus, t.skus.c.id == c.sku_id)
        .where(c.tenant_id == tenant_id)
    ).all()
    return {
        (r.sku_id, r.lot_code): CostState(r.code, r.currency, r.quantity, r.value, r.unit_cost)
        for r in rows
    }


def on_hand_before(session: Session, tenant_id: int, before: datetime) -> dict[int, int]:
    """Units on hand per SKU (all warehouses and lots) by the stock ledger at `before`."""
    m = t.stock_movements.c
    rows = session.execute(
        select(m.sku_id, func.sum(m.on_hand_delta))
        .where(m.tenant_id == tenant_id, m.created_at < before)
        .group_by(m.sku_id)
    ).all()
    return {sku_id: int(total) for sku_id, total in rows}


def add_landed_costs(
    session: Session, tenant_id: int, receipt_id: int, landed: Sequence[tuple[str, Money]]
) -> None:
    if landed:
        session.execute(
            insert(receipt_landed_costs),
            [
                {
                    "tenant_id": tenant_id,
                    "receipt_id": receipt_id,
                    "kind": kind,
                    "amount": amount.amount,
                    "currency": amount.currency,
                }
                for kind, amount in landed
            ],
        )


@dataclass(frozen=True)
class LandedCosts:
    receipt_id: int
    reference: str  # "po:PO-1/receipt:5"
    received_at: datetime
    costs: list[tuple[str, Money]]


def landed_costs(session: Session, tenant_id: int) -> list[LandedCosts]:
    lc, r, po = receipt_landed_costs.c, t.receipts.c, t.purchase_orders.c
    rows = session.execute(
        select(lc.receipt_id, lc.kind, lc.amount, lc.currency, r.received_at, po.number)
        .join(t.receipts, r.id == lc.receipt_id)
        .join(t.purchase_orders, po.id == r.purchase_order_id)
        .where(lc.tenant_id == tenant_id)
        .order_by(lc.receipt_id, lc.id)
    ).all()
    found: dict[int, LandedCosts] = {}
    for row in rows:
        entry = found.setdefault(
            row.receipt_id,
            LandedCosts(
                row.receipt_id, f"po:{row.number}/receipt:{row.receipt_id}", row.received_at, []
            ),
        )
        entry.costs.append((row.kind, Money(row.amount, row.currency)))
    return list(found.values())
