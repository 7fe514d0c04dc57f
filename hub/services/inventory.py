"""Stock operations. Each is one transaction that writes one ledger movement per change.

Balances are locked before they are read (SELECT ... FOR UPDATE on PostgreSQL, the
database write lock on SQLite), and every refusal happens before anything is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Sku, Warehouse
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.inventory import (
    NO_LOT,
    Movement,
    MovementKind,
    StockLevel,
    count_delta,
    sellable,
)
from hub.services.replenishment import after_receiving
from hub.services.stock_events import publish_levels


@dataclass(frozen=True)
class StockLine:
    warehouse: str
    sku: str
    lot: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int  # 0 for an expired lot: on hand, never sellable
    expires_on: date | None = None


@dataclass(frozen=True)
class Drift:
    """A balance that disagrees with the sum of its movements."""

    warehouse_id: int
    sku_id: int
    lot: str
    on_hand: int
    on_hand_from_ledger: int
    reserved: int
    reserved_from_ledger: int


def resolve_lot(uow: UnitOfWork, sku: Sku, lot: str | None, *, create: bool = False) -> str:
    """Lot-tracked SKUs must name a lot; the rest must not."""
    code = (lot or NO_LOT).strip()
    if not sku.lot_tracked:
        if code:
            raise InvalidValue("lot", code, "sku is not lot-tracked", record=f"sku {sku.code}")
        return NO_LOT
    if not code:
        raise InvalidValue("lot", lot, "sku is lot-tracked: name the lot", record=f"sku {sku.code}")
    if uow.lots.find(sku_id=sku.id, code=code) is None:
        if not create:
            raise NotFound("lot", f"{sku.code}/{code}", field="lot")
        from hub.domain.inventory import Lot

        assert uow.tenant_id is not None and sku.id is not None
        uow.lots.add(Lot(uow.tenant_id, sku.id, code))
    return code


def _ids(warehouse: Warehouse, sku: Sku) -> tuple[int, int]:
    assert warehouse.id is not None and sku.id is not None
    return warehouse.id, sku.id


def _record(uow: UnitOfWork, movement: Movement) -> Movement:
    return uow.movements.add(movement)


def adjust_to_count(
    uow: UnitOfWork,
    warehouse_code: str,
    sku_code: str,
    counted: int,
    *,
    actor: str,
    reason: str,
    lot: str | None = None,
) -> Movement | None:
    """Cycle count: the operator gives the absolute number found; the ledger records the
    difference. A count equal to the balance writes nothing and returns None."""
    with uow:
        warehouse = uow.warehouses.by_key(warehouse_code)
        sku = uow.skus.by_key(sku_code)
        lot_code = resolve_lot(uow, sku, lot)
        level = uow.stock.for_update(*_ids(warehouse, sku), lot_code, (warehouse.code, sku.code))
        delta = count_delta(level, counted)
        if delta == 0:
            return None
        available_before = level.available
        movement = _record(
            uow,
            level.move(
                MovementKind.ADJUSTMENT,
                delta,
                actor=actor,
                reason=reason,
                reference=f"count:{counted}",
            ),
        )
        publish_levels(uow, [(level, available_before)])
        uow.commit()
    if movement.on_hand_delta > 0:  # the count found more: it may fill backorders
        after_receiving(uow, [movement.sku_id], actor=actor)
    return movement


def transfer(
    uow: UnitOfWork,
    from_code: str,
    to_code: str,
    sku_code: str,
    quantity: int,
    *,
    actor: str,
    reason: str,
    lot: str | None = None,
) -> tuple[Movement, Movement]:
    if from_code == to_code:
        raise InvalidValue(
            "to_warehouse",
            to_code,
            "must differ from the source warehouse",
            record=f"transfer of {sku_code}",
        )
    with uow:
        source = uow.warehouses.by_key(from_code)
        target = uow.warehouses.by_key(to_code)
        sku = uow.skus.by_key(sku_code)
        lot_code = resolve_lot(uow, sku, lot)
        src_id, sku_id = _ids(source, sku)
        dst_id, _ = _ids(target, sku)
        levels = {
            lv.warehouse_id: lv
            for lv in uow.stock.lock_many([(src_id, sku_id, lot_code), (dst_id, sku_id, lot_code)])
        }
        levels[src_id].name_for_messages(source.code, sku.code)
        levels[dst_id].name_for_messages(target.code, sku.code)
        reference = f"transfer:{uuid.uuid4().hex[:16]}"
        before = [(lv, lv.available) for lv in levels.values()]
        out = _record(
            uow,
            levels[src_id].move(
                MovementKind.TRANSFER_OUT, quantity, actor=actor, reason=reason, reference=reference
            ),
        )
        into = _record(
            uow,
            levels[dst_id].move(
                MovementKind.TRANSFER_IN, quantity, actor=actor, reason=reason, reference=reference
            ),
        )
        publish_levels(uow, before)
        uow.commit()
    after_receiving(uow, [into.sku_id], actor=actor)  # the target may serve other channels
    return out, into


def _single(
    uow: UnitOfWork,
    kind: MovementKind,
    warehouse_code: str,
    sku_code: str,
    quantity: int,
    *,
    actor: str,
    reason: str,
    lot: str | None,
    reference: str | None,
    create_lot: bool = False,
) -> Movement:
    with uow:
        warehouse = uow.warehouses.by_key(warehouse_code)
        sku = uow.skus.by_key(sku_code)
        lot_code = resolve_lot(uow, sku, lot, create=create_lot)
        level = uow.stock.for_update(*_ids(warehouse, sku), lot_code, (warehouse.code, sku.code))
        available_before = level.available
        movement = _record(
            uow, level.move(kind, quantity, actor=actor, reason=reason, reference=reference)
        )
        publish_levels(uow, [(level, available_before)])
        uow.commit()
    if movement.on_hand_delta > 0:  # a return: the units may fill backorders
        after_receiving(uow, [movement.sku_id], actor=actor)
    return movement


def scrap(
    uow: UnitOfWork,
    warehouse_code: str,
    sku_code: str,
    quantity: int,
    *,
    actor: str,
    reason: str,
    lot: str | None = None,
) -> Movement:
    return _single(
        uow,
        MovementKind.SCRAP,
        warehouse_code,
        sku_code,
        quantity,
        actor=actor,
        reason=reason,
        lot=lot,
        reference=None,
    )


def return_to_stock(
    uow: UnitOfWork,
    warehouse_code: str,
    sku_code: str,
    quantity: int,
    *,
    actor: str,
    reason: str,
    lot: str | None = None,
    reference: str | None = None,
) -> Movement:
    return _single(
        uow,
        MovementKind.RETURN,
        warehouse_code,
        sku_code,
        quantity,
        actor=actor,
        reason=reason,
        lot=lot,
        reference=reference,
    )


def set_safety_stock(
    uow: UnitOfWork,
    warehouse_code: str,
    sku_code: str,
    quantity: int,
    *,
    lot: str | None = None,
    reorder_point: int | None = None,
) -> StockLevel:
    """Safety stock is a policy, not a movement: it changes what is available, not on_hand."""
    with uow:
        warehouse = uow.warehouses.by_key(warehouse_code)
        sku = uow.skus.by_key(sku_code)
        level = uow.stock.for_update(
            *_ids(warehouse, sku), resolve_lot(uow, sku, lot), (warehouse.code, sku.code)
        )
        available_before = level.available
        level.set_safety_stock(quantity)
        if reorder_point is not None:
            if reorder_point < 0:
                raise InvalidValue(
                    "reorder_point", reorder_point, "must not be negative", record=level.label
                )
            level.reorder_point = reorder_point
        publish_levels(uow, [(level, available_before)])
        uow.commit()
        return level


def stock_report(uow: UnitOfWork, today: date | None = None) -> list[StockLine]:
    """Every balance; a lot expired by `today` shows available 0 (it is never sold)."""
    day = today or utcnow().date()
    with uow:
        warehouses = {w.id: w.code for w in uow.warehouses.list()}
        skus = {s.id: s.code for s in uow.skus.list()}
        expiry = {(lot.sku_id, lot.code): lot.expires_on for lot in uow.lots.list()}
        lines = []
        for lv in uow.stock.list():
            expires_on = expiry.get((lv.sku_id, lv.lot_code))
            lines.append(
                StockLine(
                    warehouses[lv.warehouse_id],
                    skus[lv.sku_id],
                    lv.lot_code,
                    lv.on_hand,
                    lv.reserved,
                    lv.safety_stock,
                    sellable(lv.available, expires_on, day),
                    expires_on,
                )
            )
    return sorted(lines, key=lambda line: (line.sku, line.warehouse, line.lot))


def verify_ledger(uow: UnitOfWork) -> list[Drift]:
    """Prove balances equal the sum of their movements; return every disagreement."""
    with uow:
        sums = uow.movements.ledger_sums()
        drifts: list[Drift] = []
        seen: set[tuple[int, int, str]] = set()
        for level in uow.stock.list():
            key = (level.warehouse_id, level.sku_id, level.lot_code)
            seen.add(key)
            on_hand, reserved = sums.get(key, (0, 0))
            if (level.on_hand, level.reserved) != (on_hand, reserved):
                drifts.append(Drift(*key, level.on_hand, on_hand, level.reserved, reserved))
        for key, (on_hand, reserved) in sums.items():
            if key not in seen and (on_hand, reserved) != (0, 0):
                drifts.append(Drift(*key, 0, on_hand, 0, reserved))
    return drifts
