"""What happens to reservations after allocation: release, cancel, ship, return.

Shipping and releasing always start from the reservation rows (never a recomputed
warehouse), and every balance change is a ledger movement that names the reservation.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.db.allocation_store import AllocationStore, LineRow, OrderRow, ReservationRow
from hub.db.retry import with_retries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.inventory import Movement, MovementKind, StockLevel
from hub.domain.orders import OrderStatus
from hub.services.allocation import check_lines, move_status
from hub.services.bundle_lines import load_parts, units_done
from hub.services.inventory import resolve_lot
from hub.services.order_push import Tracking, record_cancellation, record_shipment
from hub.services.replenishment import after_receiving
from hub.services.stock_events import StockChanges, publish
from hub.services.stock_statuses import check_may_ship

S = OrderStatus
SHIPPABLE = frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.PARTIALLY_SHIPPED})
RELEASABLE = frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.READY})


def release(
    uow: UnitOfWork,
    order_id: int,
    *,
    actor: str,
    cancel: bool = False,
    tell_channel: bool = False,
) -> OrderStatus:
    """Give back every reservation (and drop backorders) of an unshipped order; the order
    becomes READY to be allocated again, or CANCELLED. tell_channel: the hub decided the
    cancellation (not the channel), so the channel is told through the outbox."""

    def run(store: AllocationStore, order: OrderRow) -> StockChanges:
        if order.status not in RELEASABLE and not (
            cancel and order.status in (S.PENDING_REVIEW, S.ON_HOLD)
        ):
            raise InvalidValue(
                "status",
                order.status.value,
                "only an order that has not shipped can be released or cancelled",
                record=order.label,
            )
        lines = store.lines(order.id)
        changes = _release_lines(store, order, lines, actor, "cancelled" if cancel else "released")
        move_status(
            order,
            S.CANCELLED if cancel else S.READY,
            f"{'cancelled' if cancel else 'released'} by {actor}",
        )
        if cancel and tell_channel:
            record_cancellation(store.session, store.tenant_id, order, f"cancelled by {actor}")
        return changes

    return _transaction(uow, order_id, run)


def cancel(
    uow: UnitOfWork, order_id: int, *, actor: str, tell_channel: bool = False
) -> OrderStatus:
    return release(uow, order_id, actor=actor, cancel=True, tell_channel=tell_channel)


def release_lines(
    uow: UnitOfWork, order_id: int, line_ids: list[int], *, actor: str
) -> OrderStatus:
    """Before an order update removes lines: give back their stock (status unchanged)."""

    def run(store: AllocationStore, order: OrderRow) -> StockChanges:
        lines = [line for line in store.lines(order.id) if line.id in set(line_ids)]
        missing = set(line_ids) - {line.id for line in lines}
        if missing:
            raise InvalidValue(
                "line_ids", sorted(missing), "not lines of this order", record=order.label
            )
        return _release_lines(store, order, lines, actor, "line removed")

    return _transaction(uow, order_id, run)


def ship(
    uow: UnitOfWork,
    order_id: int,
    *,
    actor: str,
    quantities: dict[int, int] | None = None,
    tracking: Tracking | None = None,
) -> OrderStatus:
    """Commit reservations: on_hand and reserved both go down. quantities: line id ->
    units shipped now (default: everything reserved); a bundle line ships whole bundles,
    each taking its components' units from the line's reservation rows. The channel is
    told (outbox, same transaction) which of its lines shipped, with the tracking."""

    def run(store: AllocationStore, order: OrderRow) -> StockChanges:
        if order.status not in SHIPPABLE:
            raise InvalidValue(
                "status", order.status.value, "only an allocated order can ship", record=order.label
            )
        check_may_ship(store.session, order.id, order.label)
        lines = store.lines(order.id)
        parts = load_parts(uow, lines)
        check_lines(order, lines, parts)
        held = _by_line(store.reservations([line.id for line in lines]))
        have_units = {
            line.id: units_done(parts[line.id], _per_sku(held, line.id)) for line in lines
        }
        wanted = quantities if quantities is not None else have_units
        names = {line.id: line for line in lines}
        for line_id, qty in wanted.items():
            where = f"{order.label} line {names[line_id].name if line_id in names else line_id}"
            if line_id not in names:
                raise InvalidValue("line", line_id, "not a line of this order", record=order.label)
            have = have_units[line_id]
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0 or qty > have:
                raise InvalidValue(
                    "quantity", qty, f"must be 0..{have} (units reserved)", record=where
                )
        if not any(wanted.values()):
            raise InvalidValue("quantities", wanted, "nothing reserved to ship", record=order.label)
        rows = [r for line_id in wanted for r in held.get(line_id, [])]
        levels = _lock(store, rows)
        changes, movements = StockChanges(), []
        for line_id, units in wanted.items():
            for sku_id, per_unit in parts[line_id]:
                qty = units * per_unit
                for res in held.get(line_id, []):  # oldest reservation first
                    if res.sku_id != sku_id:
                        continue
                    take = min(qty, res.quantity)
                    if take == 0:
                        break
                    level = changes.touch(levels[(res.warehouse_id, res.sku_id, res.lot_code)])
                    movements.append(
                        level.move(
                            MovementKind.SHIPMENT,
                            take,
                            actor=actor,
                            reason=f"ship {order.label}",
                            reference=f"reservation:{res.id}",
                        )
                    )
                    store.resize_reservation(res.id, res.quantity - take)
                    store.add_fulfilment("shipment", line_id, level, take, res.id)
                    qty -= take
        _write(store, changes, movements)
        record_shipment(store.session, store.tenant_id, order, wanted, tracking or Tracking())
        shipped = store.fulfilled_by_sku(list(names), "shipment")
        done = all(
            units_done(parts[line.id], {s: q for (li, s), q in shipped.items() if li == line.id})
            >= line.quantity
            for line in lines
        )
        move_status(order, S.SHIPPED if done else S.PARTIALLY_SHIPPED, None)
        return changes

    return _transaction(uow, order_id, run)


def return_items(
    uow: UnitOfWork,
    order_id: int,
    line_id: int,
    quantity: int,
    warehouse_code: str,
    *,
    actor: str,
    lot: str | None = None,
    reason: str = "customer return",
) -> Movement:
    """Restock returned units of a shipped line into the chosen warehouse (a bundle line:
    `quantity` bundles, each restocking its components; the last movement is returned)."""
    made: list[Movement] = []

    def run(store: AllocationStore, order: OrderRow) -> StockChanges:
        line = next((li for li in store.lines(order.id) if li.id == line_id), None)
        where = f"{order.label} line {line.name if line else line_id}"
        parts = load_parts(uow, [line])[line.id] if line is not None else []
        if line is None or not parts:
            raise InvalidValue(
                "line", line_id, "not a mapped line of this order", record=order.label
            )
        shipped = store.fulfilled_by_sku([line.id], "shipment")
        returned = store.fulfilled_by_sku([line.id], "return")
        # a bundle comes back whole: count the sets shipped and not yet returned
        returnable = min(
            (shipped.get((line.id, s), 0) - returned.get((line.id, s), 0)) // per_unit
            for s, per_unit in parts
        )
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 0 < quantity <= returnable
        ):
            raise InvalidValue(
                "quantity",
                quantity,
                f"must be 1..{returnable} (shipped, not yet returned)",
                record=where,
            )
        warehouse = uow.warehouses.by_key(warehouse_code)
        assert warehouse.id is not None
        changes = StockChanges()
        for sku_id, per_unit in parts:  # sorted by SKU id: the global lock order
            sku = uow.skus.get(sku_id)
            level = uow.stock.for_update(
                warehouse.id, sku_id, resolve_lot(uow, sku, lot), (warehouse.code, sku.code)
            )
            changes.touch(level)
            made.append(
                uow.movements.add(
                    level.move(
                        MovementKind.RETURN,
                        quantity * per_unit,
                        actor=actor,
                        reason=reason,
                        reference=f"order:{order.external_id}/line:{line.id}",
                    )
                )
            )
            uow.session.flush()
            store.add_fulfilment("return", line.id, level, quantity * per_unit)
        return changes

    _transaction(uow, order_id, run)
    after_receiving(uow, {m.sku_id for m in made}, actor=actor)  # units back: fill waits
    return made[-1]


def _release_lines(
    store: AllocationStore, order: OrderRow, lines: list[LineRow], actor: str, why: str
) -> StockChanges:
    ids = [line.id for line in lines]
    rows = store.reservations(ids)
    levels = _lock(store, rows)
    changes, movements = StockChanges(), []
    for res in rows:
        level = changes.touch(levels[(res.warehouse_id, res.sku_id, res.lot_code)])
        movements.append(
            level.move(
                MovementKind.RELEASE,
                res.quantity,
                actor=actor,
                reason=f"{order.label}: {why}",
                reference=f"reservation:{res.id}",
            )
        )
        store.resize_reservation(res.id, 0)
    backorders = store.backorders(ids)
    for line in lines:
        if line.id in backorders:
            store.set_backorder(line.id, line.sku_id or 0, 0, had=True)
    _write(store, changes, movements)
    return changes


def _per_sku(held: dict[int, list[ReservationRow]], line_id: int) -> dict[int, int]:
    units: dict[int, int] = {}
    for res in held.get(line_id, []):
        units[res.sku_id] = units.get(res.sku_id, 0) + res.quantity
    return units


def _by_line(rows: list[ReservationRow]) -> dict[int, list[ReservationRow]]:
    held: dict[int, list[ReservationRow]] = {}
    for res in rows:
        held.setdefault(res.line_id, []).append(res)
    return held


def _lock(
    store: AllocationStore, rows: list[ReservationRow]
) -> dict[tuple[int, int, str], StockLevel]:
    locked = store.lock_levels({r.sku_id for r in rows}, {r.warehouse_id for r in rows})
    return {(lv.warehouse_id, lv.sku_id, lv.lot_code): lv for lv, _ in locked}


def _write(store: AllocationStore, changes: StockChanges, movements: list[Movement]) -> None:
    store.save_levels(changes.levels.values())
    store.add_movements(movements)


def _transaction(
    uow: UnitOfWork, order_id: int, body: Callable[[AllocationStore, OrderRow], StockChanges]
) -> OrderStatus:
    def attempt() -> OrderStatus:
        with uow:
            assert uow.tenant_id is not None
            store = AllocationStore(uow.session, uow.tenant_id)
            order = store.lock_order(order_id)
            changes = body(store, order)
            store.set_status(order)
            publish(uow.session, uow.tenant_id, changes)
            uow.commit()
            return order.status

    return with_retries(attempt)


# ---- inside an open transaction: the order-change path (hub.services.order_changes) ----


def ship_reserved(
    store: AllocationStore,
    order: OrderRow,
    line_id: int,
    parts: list[tuple[int, int]],
    units: int,
    changes: StockChanges,
    *,
    actor: str,
    reason: str,
) -> int:
    """Ship up to `units` of a line from its reservations (oldest first), as the platform
    or a 3PL already did: stock goes out once, nothing is told to the channel. Returns the
    units covered by reservations (a bundle: whole sets); the rest the hub never held."""
    held = store.reservations([line_id])
    have = units_done(parts, _per_sku({line_id: held}, line_id))
    take_units = min(units, have)
    if take_units == 0:
        return 0
    drawn = _draw_down(
        store,
        held,
        parts,
        take_units,
        changes,
        MovementKind.SHIPMENT,
        f"{order.label}: {reason}",
        actor,
    )
    for res, level, take in drawn:
        store.add_fulfilment("shipment", line_id, level, take, res.id)
    return take_units


def release_reserved(
    store: AllocationStore,
    order: OrderRow,
    line_id: int,
    parts: list[tuple[int, int]],
    units: int,
    changes: StockChanges,
    *,
    actor: str,
    reason: str,
) -> None:
    """Give back up to `units` of a line's reservations (newest first): units that will
    not ship (refunded before shipping, removed from the order, cancelled)."""
    held = store.reservations([line_id])
    if not held:
        return
    newest_first = list(reversed(held))
    _draw_down(
        store,
        newest_first,
        parts,
        units,
        changes,
        MovementKind.RELEASE,
        f"{order.label}: {reason}",
        actor,
    )


def _draw_down(
    store: AllocationStore,
    held: list[ReservationRow],
    parts: list[tuple[int, int]],
    units: int,
    changes: StockChanges,
    kind: MovementKind,
    reason: str,
    actor: str,
) -> list[tuple[ReservationRow, StockLevel, int]]:
    """Take `units` of a line (each part's share) from `held`, in the order given, as
    `kind` movements (shipment or release); returns (reservation, balance, units) drawn."""
    levels = _lock(store, held)
    movements, drawn = [], []
    for sku_id, per_unit in parts:
        qty = units * per_unit
        for res in held:
            if res.sku_id != sku_id or qty == 0:
                continue
            take = min(qty, res.quantity)
            level = changes.touch(levels[(res.warehouse_id, res.sku_id, res.lot_code)])
            movements.append(
                level.move(
                    kind, take, actor=actor, reason=reason, reference=f"reservation:{res.id}"
                )
            )
            store.resize_reservation(res.id, res.quantity - take)
            drawn.append((res, level, take))
            qty -= take
    _write(store, changes, movements)
    return drawn


def restock_shipped(
    store: AllocationStore,
    order: OrderRow,
    line_id: int,
    parts: list[tuple[int, int]],
    units: int,
    warehouse_id: int | None,
    changes: StockChanges,
    *,
    actor: str,
    reason: str,
    reference: str,
) -> int:
    """Put back up to `units` of a line the hub shipped and has not taken back yet, into
    `warehouse_id` (None: where each unit shipped from), in the lot it left in. Units the
    hub never took out of stock are never put back. Returns the units restocked."""
    shipped = store.fulfilled_by_sku([line_id], "shipment")
    returned = store.fulfilled_by_sku([line_id], "return")
    open_units = min(
        (shipped.get((line_id, s), 0) - returned.get((line_id, s), 0)) // per_unit
        for s, per_unit in parts
    )
    count = min(units, max(open_units, 0))
    if count == 0:
        return 0
    origins = store.shipment_origins(line_id)  # (warehouse, sku, lot), newest first
    movements = []
    for sku_id, per_unit in parts:
        qty = count * per_unit
        for origin_wh, origin_sku, lot in origins:
            if origin_sku != sku_id or qty == 0:
                continue
            target = warehouse_id if warehouse_id is not None else origin_wh
            level = changes.touch(store.level_for_update(target, sku_id, lot))
            movements.append(
                level.move(
                    MovementKind.RETURN,
                    qty,
                    actor=actor,
                    reason=f"{order.label}: {reason}",
                    reference=reference,
                )
            )
            store.save_levels([level])
            store.add_fulfilment("return", line_id, level, qty)
            qty = 0
    store.add_movements(movements)
    return count
