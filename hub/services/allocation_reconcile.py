"""The heart of allocate(): from a locked snapshot to the writes, with no I/O of its own
except the one query for already-shipped units of a partially shipped order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from hub.db.allocation_snapshot import OrderSnapshot, StockSnapshot
from hub.db.allocation_store import AllocationStore, LineRow, OrderRow, ReservationRow
from hub.db.allocation_writes import Writes
from hub.db.outbox import OutboxEvent
from hub.domain.allocation import Candidate, Demand, ShipTo, plan_allocation
from hub.domain.availability import channel_figures
from hub.domain.errors import IllegalTransition, InvalidValue
from hub.domain.inventory import MovementKind, StockLevel, lot_expired
from hub.domain.orders import OrderStatus, can_transition
from hub.services.bundle_lines import Parts
from mapping.addresses import country_and_subdivision

S = OrderStatus


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


def move_status(order: OrderRow, target: OrderStatus, reason: str | None) -> None:
    """Apply a status change, passing through READY where the state machine asks for it
    (an allocated order whose stock was all released is READY before BACKORDERED)."""
    direct = order.status is target or can_transition(order.status, target)
    via_ready = can_transition(order.status, S.READY) and can_transition(S.READY, target)
    if not (direct or via_ready):
        raise IllegalTransition(order.label, order.status.value, target.value)
    order.status, order.status_reason = target, reason


def check_lines(order: OrderRow, lines: list[LineRow], parts: Parts | None = None) -> None:
    """Every line must name stock: a SKU, or (a bundle listing) components."""
    if not lines:
        raise InvalidValue("lines", [], "an order needs at least one line", record=order.label)
    for line in lines:
        if not parts.get(line.id) if parts is not None else line.sku_id is None:
            raise InvalidValue(
                "sku_id",
                None,
                f"channel SKU {line.name!r} is not mapped to a hub SKU",
                record=f"{order.label} line {line.name}",
            )


@dataclass
class Need:
    """What reconciling one order requires, decided before anything is touched."""

    demands: list[Demand]
    releases: list[tuple[LineRow, int, int]]  # (line, sku id, units to give back)
    held: dict[int, list[ReservationRow]]

    @property
    def nothing(self) -> bool:
        return not self.demands and not self.releases


def needs(store: AllocationStore, snap: OrderSnapshot, parts: Parts) -> Need:
    """Per line and SKU (a bundle line: per component, quantity x units per bundle):
    what is still to reserve, or to give back."""
    check_lines(snap.order, snap.lines, parts)
    shipped: dict[tuple[int, int], int] = {}
    if snap.order.status is S.PARTIALLY_SHIPPED:
        shipped = store.fulfilled_by_sku([line.id for line in snap.lines], "shipment")
    held: dict[int, list[ReservationRow]] = {}
    for res in snap.reservations:
        held.setdefault(res.line_id, []).append(res)
    demands, releases = [], []
    for line in snap.lines:
        rows = held.get(line.id, [])
        wanted = dict(parts[line.id])
        for sku_id, per_unit in parts[line.id]:
            reserved = sum(r.quantity for r in rows if r.sku_id == sku_id)
            need = line.quantity * per_unit - shipped.get((line.id, sku_id), 0) - reserved
            if need > 0:
                demands.append(Demand(line.id, sku_id, need, per_unit))
            elif need < 0:
                releases.append((line, sku_id, -need))
        for sku_id in sorted({r.sku_id for r in rows if r.sku_id not in wanted}):
            # the bundle was redefined since: its former components go back
            releases.append((line, sku_id, sum(r.quantity for r in rows if r.sku_id == sku_id)))
    return Need(demands, releases, held)


def reconcile(
    snap: OrderSnapshot,
    need: Need,
    stock: StockSnapshot,
    writes: Writes,
    actor: str,
    today: date,
    parts: Parts,
) -> AllocationResult:
    """Release what lines no longer need, plan and reserve what they still need, set
    backorders and the order status; everything lands in `writes`."""
    order = snap.order
    channel = stock.members.get(order.channel_id, {})
    usable = {w: r for w, r in channel.items() if stock.warehouses[w].allocatable}
    ranked = sorted(usable, key=lambda w: (usable[w], stock.warehouses[w].priority, w))
    rank = {w: i for i, w in enumerate(ranked)}
    kept = {r.id: r.quantity for r in snap.reservations}
    for line, sku_id, excess in need.releases:
        for res in reversed(need.held[line.id]):  # newest reservation first
            if res.sku_id != sku_id:
                continue
            take = min(excess, res.quantity)
            if take == 0:
                break
            level = _touch(writes, stock.levels[(res.warehouse_id, res.sku_id, res.lot_code)])
            writes.movements.append(
                level.move(
                    MovementKind.RELEASE,
                    take,
                    actor=actor,
                    reason=f"{order.label} line {line.name}: quantity lowered",
                    reference=f"reservation:{res.id}",
                )
            )
            kept[res.id] -= take
            writes.resized[res.id] = kept[res.id]
            excess -= take
    # Only the balances of the SKUs this order asks for: a batch snapshot holds every
    # SKU of the batch, and building candidates from all of them is orders x balances.
    wanted = {d.sku_id for d in need.demands}
    candidates = [
        Candidate(
            lv.warehouse_id,
            lv.sku_id,
            lv.lot_code,
            lv.free,
            rank[lv.warehouse_id],
            stock.warehouses[lv.warehouse_id].country,
            stock.warehouses[lv.warehouse_id].region,
            stock.expiry[key],
        )
        for key, lv in stock.levels.items()
        if lv.warehouse_id in rank and lv.sku_id in wanted
    ]
    ship_to = ShipTo(*country_and_subdivision(order.ship_to))  # mapping/addresses.py
    plan = plan_allocation(need.demands, candidates, snap.policy, today=today, ship_to=ship_to)
    by_key = {(r.line_id, r.sku_id, r.warehouse_id, r.lot_code): r for r in snap.reservations}
    new_rows: list[ReservationRow] = []
    for pick in plan.picks:
        level = _touch(writes, stock.levels[(pick.warehouse_id, pick.sku_id, pick.lot_code)])
        writes.movements.append(
            level.move(
                MovementKind.RESERVATION,
                pick.quantity,
                actor=actor,
                reason=f"allocate {order.label}",
                reference=f"order:{order.external_id}/line:{pick.line_id}",
            )
        )
        found = by_key.get((pick.line_id, pick.sku_id, pick.warehouse_id, pick.lot_code))
        if found is not None:
            kept[found.id] += pick.quantity
            writes.resized[found.id] = kept[found.id]
        else:
            new_rows.append(
                ReservationRow(
                    0, pick.line_id, pick.warehouse_id, pick.sku_id, pick.lot_code, pick.quantity
                )
            )
    writes.new_reservations += new_rows
    backordered = {} if plan.rejected else dict(plan.backorders)
    for line in snap.lines:
        if backordered.get(line.id, 0) != snap.backorders.get(line.id, 0):
            # a bundle listing has no SKU: its backorder row names its first component
            sku_id = line.sku_id if line.sku_id is not None else parts[line.id][0][0]
            writes.backorders[line.id] = (sku_id, backordered.get(line.id, 0))
    final = [replace(r, quantity=kept[r.id]) for r in snap.reservations if kept[r.id] > 0]
    final += new_rows
    _set_status(order, plan.rejected, backordered, bool(final))
    writes.orders[order.id] = order
    reserved = [
        Reserved(r.line_id, r.warehouse_id, r.sku_id, r.lot_code, r.quantity) for r in final
    ]
    return AllocationResult(
        order.external_id, order.status, order.status_reason, reserved, backordered
    )


def _set_status(
    order: OrderRow, rejected: str | None, backordered: dict[int, int], any_reserved: bool
) -> None:
    units = ", ".join(f"line #{line} x{qty}" for line, qty in sorted(backordered.items()))
    if rejected is not None:
        move_status(order, S.ON_HOLD, f"{rejected} (shortfall policy: reject)")
    elif order.status is S.PARTIALLY_SHIPPED:
        return
    elif not backordered:
        move_status(order, S.ALLOCATED, None)
    elif any_reserved:
        move_status(order, S.PARTIALLY_ALLOCATED, f"backordered: {units}")
    else:
        move_status(order, S.BACKORDERED, f"backordered: {units}")


def _touch(writes: Writes, level: StockLevel) -> StockLevel:
    assert level.id is not None
    if level.id not in writes.levels:
        writes.before[level.id] = level.available
    writes.levels[level.id] = level
    return level


def publish_figures(stock: StockSnapshot, writes: Writes, today: date) -> None:
    """The channel figures and low-stock events implied by the touched balances (a lot
    expired by `today` counts for nothing in the figures)."""
    available: dict[tuple[int, int], int] = {}
    for key3, lv in stock.levels.items():
        key = (lv.warehouse_id, lv.sku_id)
        if not lot_expired(stock.expiry[key3], today):
            available[key] = available.get(key, 0) + lv.available
    touched = {(lv.warehouse_id, lv.sku_id) for lv in writes.levels.values()}
    sellable = [w for w, info in stock.warehouses.items() if info.allocatable]
    writes.figures.update(
        channel_figures(available, stock.members, stock.policies, touched, sellable)
    )
    for level_id, level in sorted(writes.levels.items()):
        before = writes.before[level_id]
        if level.reorder_point > 0 and before > level.reorder_point >= level.available:
            writes.events.append(
                OutboxEvent(
                    "stock.low",
                    f"warehouse:{level.warehouse_id}/sku:{level.sku_id}",
                    {
                        "warehouse_id": level.warehouse_id,
                        "sku_id": level.sku_id,
                        "lot": level.lot_code,
                        "available": level.available,
                        "reorder_point": level.reorder_point,
                    },
                )
            )
