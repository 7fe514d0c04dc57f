"""Allocate an order: reserve stock for each line exactly once, from the channel's warehouses.

One short transaction per attempt: lock the order row, then the candidate balances in
the global order (sku, warehouse, lot), decide from the locked snapshot with the pure
strategy (hub.domain.allocation), write reservations + ledger movements + outbox
events, commit. Deadlocks, serialization failures and lock timeouts are retried with
jitter (hub.db.retry). Allocating again only reconciles the difference, so a repeat is
a no-op that returns the existing reservations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select

from hub.db import tables_allocation as ta
from hub.db.allocation_store import AllocationStore, LineRow, OrderRow, ReservationRow
from hub.db.retry import with_retries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.allocation import Candidate, Demand, ShipTo, plan_allocation
from hub.domain.availability import ReviewFacts, review_reasons
from hub.domain.clock import utcnow
from hub.domain.errors import DomainError, IllegalTransition, InvalidValue, NotFound
from hub.domain.inventory import MovementKind
from hub.domain.orders import OrderStatus, can_transition
from hub.services.stock_events import StockChanges, publish

S = OrderStatus
ALLOCATABLE = frozenset(
    {S.READY, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.PARTIALLY_SHIPPED}
)


@dataclass(frozen=True)
class Reserved:
    line_id: int
    warehouse_id: int
    sku_id: int
    lot: str
    quantity: int


@dataclass(frozen=True)
class AllocationResult:
    order: str
    status: OrderStatus
    reason: str | None
    reservations: list[Reserved] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)  # line id -> units
    changed: bool = True  # False when the call found everything already allocated


def allocate(
    uow: UnitOfWork, order_id: int, *, actor: str = "hub", today: date | None = None
) -> AllocationResult:
    """Reserve what the order still needs (or release what it no longer needs)."""
    day = today or utcnow().date()
    return with_retries(lambda: _run(uow, order_id, actor, day, approve=False))


def approve(
    uow: UnitOfWork, order_id: int, *, actor: str, today: date | None = None
) -> AllocationResult:
    """Release an order from review (or hold) and allocate it, in one transaction."""
    day = today or utcnow().date()
    return with_retries(lambda: _run(uow, order_id, actor, day, approve=True))


def move_status(order: OrderRow, target: OrderStatus, reason: str | None) -> None:
    """Apply a status change, passing through READY where the state machine asks for it
    (an allocated order whose stock was all released is READY before BACKORDERED)."""
    direct = order.status is target or can_transition(order.status, target)
    via_ready = can_transition(order.status, S.READY) and can_transition(S.READY, target)
    if not (direct or via_ready):
        raise IllegalTransition(order.label, order.status.value, target.value)
    order.status, order.status_reason = target, reason


def _run(
    uow: UnitOfWork, order_id: int, actor: str, today: date, approve: bool
) -> AllocationResult:
    with uow:
        assert uow.tenant_id is not None
        store = AllocationStore(uow.session, uow.tenant_id)
        order = store.lock_order(order_id)
        result = _gate(uow, store, order, actor, approve)
        if result is None:
            changes = StockChanges()
            result = _reconcile(store, order, store.lines(order.id), actor, today, changes)
            publish(store.session, store.tenant_id, changes)
        if result.changed or approve:
            uow.commit()
        return result


def allocate_batch(
    uow: UnitOfWork, order_ids: list[int], *, actor: str = "hub", today: date | None = None
) -> dict[int, AllocationResult | DomainError]:
    """Allocate many orders in one transaction (order rows, then every candidate balance,
    locked up front in the global order). An order that is refused gets its error in the
    result and leaves nothing behind (savepoint); the rest of the batch goes on."""
    day = today or utcnow().date()
    return with_retries(lambda: _run_batch(uow, sorted(set(order_ids)), actor, day))


def _run_batch(
    uow: UnitOfWork, order_ids: list[int], actor: str, today: date
) -> dict[int, AllocationResult | DomainError]:
    results: dict[int, AllocationResult | DomainError] = {}
    with uow:
        assert uow.tenant_id is not None
        store = AllocationStore(uow.session, uow.tenant_id)
        orders = store.lock_orders(order_ids)
        lines = store.lines_of(list(orders))
        skus = {line.sku_id for group in lines.values() for line in group if line.sku_id}
        store.lock_levels(skus, None)
        changes = StockChanges()
        for order_id in order_ids:
            order = orders.get(order_id)
            if order is None:
                results[order_id] = NotFound("order", order_id)
                continue
            try:
                with uow.session.begin_nested():
                    early = _gate(uow, store, order, actor, approve=False)
                    results[order_id] = early or _reconcile(
                        store, order, lines.get(order_id, []), actor, today, changes
                    )
            except DomainError as exc:
                results[order_id] = exc
        publish(store.session, store.tenant_id, changes)
        uow.commit()
    return results


def _gate(
    uow: UnitOfWork, store: AllocationStore, order: OrderRow, actor: str, approve: bool
) -> AllocationResult | None:
    """Approval and review rules before any stock is touched; a result means 'stop here'."""
    if approve:
        if order.status not in (S.PENDING_REVIEW, S.ON_HOLD):
            raise InvalidValue(
                "status",
                order.status.value,
                "only an order pending review or on hold can be approved",
                record=order.label,
            )
        move_status(order, S.READY, f"approved by {actor}")
    elif order.status is S.PENDING_REVIEW:
        reasons = _review(uow, order)
        if reasons:
            order.status_reason = "review: " + "; ".join(reasons)
            store.set_status(order)
            return AllocationResult(order.external_id, order.status, order.status_reason)
        move_status(order, S.READY, None)
    if order.status not in ALLOCATABLE:
        raise InvalidValue(
            "status",
            order.status.value,
            "an order in this state cannot be allocated",
            record=order.label,
        )
    return None


def _review(uow: UnitOfWork, order: OrderRow) -> list[str]:
    loaded = uow.orders.get(order.id)
    policy, _ = AllocationStore(uow.session, loaded.tenant_id).channel_setup(order.channel_id)
    f = ta.flagged_customers.c
    flagged = uow.session.execute(select(f.email).where(f.tenant_id == loaded.tenant_id)).scalars()
    facts = ReviewFacts(
        loaded.grand_total.amount,
        loaded.customer_email,
        str(loaded.ship_to.get("country") or ""),
    )
    return review_reasons(facts, policy, list(flagged))


def check_lines(order: OrderRow, lines: list[LineRow]) -> None:
    if not lines:
        raise InvalidValue("lines", [], "an order needs at least one line", record=order.label)
    for line in lines:
        if line.sku_id is None:
            raise InvalidValue(
                "sku_id",
                None,
                f"channel SKU {line.name!r} is not mapped to a hub SKU",
                record=f"{order.label} line {line.name}",
            )


def _reconcile(
    store: AllocationStore,
    order: OrderRow,
    lines: list[LineRow],
    actor: str,
    today: date,
    changes: StockChanges,
) -> AllocationResult:
    check_lines(order, lines)
    policy, channel_warehouses = store.channel_setup(order.channel_id)
    usable = {w.warehouse_id: w for w in channel_warehouses if w.allocatable}
    if not usable:
        raise InvalidValue(
            "warehouses",
            [],
            "the channel sells from no warehouse the hub "
            "allocates from; set them with `hub channel policy warehouses`",
            record=f"{order.label} channel #{order.channel_id}",
        )
    ids = [line.id for line in lines]
    existing = store.reservations(ids)
    backorders = store.backorders(ids)
    shipped = store.fulfilled(ids, "shipment") if order.status is S.PARTIALLY_SHIPPED else {}
    held: dict[int, list[ReservationRow]] = {}
    for res in existing:
        held.setdefault(res.line_id, []).append(res)
    demands, releases = [], []
    for line in lines:
        assert line.sku_id is not None
        need = (
            line.quantity - shipped.get(line.id, 0) - sum(r.quantity for r in held.get(line.id, []))
        )
        if need > 0:
            demands.append(Demand(line.id, line.sku_id, need))
        elif need < 0:
            releases.append((line, -need))
    if not demands and not releases and not backorders:
        return _result(order, existing, {}, changed=False)

    release_rows = [r for line, _ in releases for r in held[line.id]]
    locked = store.lock_levels(
        {d.sku_id for d in demands} | {r.sku_id for r in release_rows},
        set(usable) | {r.warehouse_id for r in release_rows},
    )
    levels = {(lv.warehouse_id, lv.sku_id, lv.lot_code): lv for lv, _ in locked}
    movements = []
    kept = {r.id: r.quantity for r in existing}
    for line, excess in releases:
        for res in reversed(held[line.id]):  # newest reservation first
            take = min(excess, res.quantity)
            if take == 0:
                break
            level = changes.touch(levels[(res.warehouse_id, res.sku_id, res.lot_code)])
            movements.append(
                level.move(
                    MovementKind.RELEASE,
                    take,
                    actor=actor,
                    reason=f"{order.label} line {line.name}: quantity lowered",
                    reference=f"reservation:{res.id}",
                )
            )
            kept[res.id] -= take
            store.resize_reservation(res.id, kept[res.id])
            excess -= take

    candidates = [
        Candidate(
            lv.warehouse_id,
            lv.sku_id,
            lv.lot_code,
            lv.free,
            usable[lv.warehouse_id].rank,
            usable[lv.warehouse_id].country,
            usable[lv.warehouse_id].region,
            expires,
        )
        for lv, expires in locked
        if lv.warehouse_id in usable
    ]
    ship_to = ShipTo(
        str(order.ship_to.get("country") or ""), str(order.ship_to.get("region") or "")
    )
    plan = plan_allocation(demands, candidates, policy, today=today, ship_to=ship_to)
    by_key = {(r.line_id, r.warehouse_id, r.lot_code): r for r in existing}
    new_rows: list[ReservationRow] = []
    for pick in plan.picks:
        level = changes.touch(levels[(pick.warehouse_id, pick.sku_id, pick.lot_code)])
        movements.append(
            level.move(
                MovementKind.RESERVATION,
                pick.quantity,
                actor=actor,
                reason=f"allocate {order.label}",
                reference=f"order:{order.external_id}/line:{pick.line_id}",
            )
        )
        found = by_key.get((pick.line_id, pick.warehouse_id, pick.lot_code))
        if found is not None:
            kept[found.id] += pick.quantity
            store.resize_reservation(found.id, kept[found.id])
        else:
            new_rows.append(
                ReservationRow(
                    0, pick.line_id, pick.warehouse_id, pick.sku_id, pick.lot_code, pick.quantity
                )
            )
    store.insert_reservations(new_rows)
    for line in lines:
        wanted = plan.backorders.get(line.id, 0) if plan.rejected is None else 0
        if wanted != backorders.get(line.id, 0):
            assert line.sku_id is not None
            store.set_backorder(line.id, line.sku_id, wanted, line.id in backorders)
    store.save_levels(changes.levels.values())
    store.add_movements(movements)

    final = [replace(r, quantity=kept[r.id]) for r in existing if kept[r.id] > 0] + new_rows
    if plan.rejected is not None:
        move_status(order, S.ON_HOLD, f"{plan.rejected} (shortfall policy: reject)")
    elif order.status is not S.PARTIALLY_SHIPPED:
        if not plan.backorders:
            move_status(order, S.ALLOCATED, None)
        elif final:
            move_status(order, S.PARTIALLY_ALLOCATED, "backordered: " + _units(plan.backorders))
        else:
            move_status(order, S.BACKORDERED, "backordered: " + _units(plan.backorders))
    store.set_status(order)
    backordered = {} if plan.rejected else dict(plan.backorders)
    return _result(order, final, backordered, changed=True)


def _units(backorders: dict[int, int]) -> str:
    return ", ".join(f"line #{line} x{qty}" for line, qty in sorted(backorders.items()))


def _result(
    order: OrderRow, rows: list[ReservationRow], backorders: dict[int, int], changed: bool
) -> AllocationResult:
    return AllocationResult(
        order.external_id,
        order.status,
        order.status_reason,
        [Reserved(r.line_id, r.warehouse_id, r.sku_id, r.lot_code, r.quantity) for r in rows],
        backorders,
        changed,
    )


def find_order(uow: UnitOfWork, channel_name: str, external_id: str) -> tuple[int, dict[str, int]]:
    """The order's id and its lines by name (external line id, else channel SKU)."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        order = uow.orders.by_external_id(channel.id, external_id)
        if order is None or order.id is None:
            raise NotFound("order", f"{channel_name}/{external_id}")
        lines = {(line.external_id or line.channel_sku): line.id for line in order.lines}
        return order.id, {name: line_id for name, line_id in lines.items() if line_id is not None}
