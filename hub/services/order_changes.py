"""Apply a platform's later update of a known order: each new fact once, in one transaction.

The ingest path (poll, webhook, sweep) calls `apply_update` inside its unit of work, after
the version check: an older picture of the order never gets here. The pure diff
(hub.domain.order_changes) names what is new; here each fact is applied to the order's
rows and to stock, and announced with `record_order_change` in the same transaction:

- payment: new payments stored, the platform's financial status kept;
- refund: stored; its units not yet shipped never ship (their reservation is released,
  no stock is added); units the hub shipped go back into the warehouse linked to the
  location the platform names (else where they shipped from) when the platform says
  restock; a location linked to no warehouse holds a "restock unknown" task in the error
  queue until `hub channel link-location` links it;
- shipment (by the platform or a 3PL): reservations consumed and stock out once; the hub's
  own shipment echoed back finds nothing new; units the hub never held are only counted;
- cancellation: reservations released, the order cancelled (what shipped stays shipped);
- line edits: quantities changed, lines added, removed lines released; the allocator
  re-reserves the difference after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from hub.db import tables as t
from hub.db.allocation_store import AllocationStore, LineRow, OrderRow
from hub.db.tables_lifecycle import RESTOCK_DONE, RESTOCK_HELD, order_restocks
from hub.db.tables_sync import sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel
from hub.domain.clock import utcnow
from hub.domain.order_changes import (
    Changes,
    Held,
    HeldLine,
    diff,
    line_key,
    payment_key,
    refund_key,
)
from hub.domain.orders import (
    FinancialStatus,
    FulfilledBy,
    Order,
    OrderStatus,
    Refund,
    can_transition,
    line_mapping_key,
)
from hub.services import fulfilment
from hub.services.bundle_lines import Parts, load_parts, units_done
from hub.services.inbox import record_error
from hub.services.order_events import record_order_change
from hub.services.stock_events import StockChanges, publish

__all__ = ["apply_update", "has_deferred", "location_warehouses", "retry_held_restocks"]

S = OrderStatus
# Statuses the platform decides; the rest (allocation, holds, shipping) belong to the hub.
_PLATFORM_DRIVEN = frozenset({S.COMPLETED, S.REFUNDED})
_SHIPPED_ALREADY = frozenset({S.SHIPPED, S.COMPLETED, S.REFUNDED})
# Financial statuses that are a payment fact; refunded ones follow from the refunds.
_PAYMENT_STATES = frozenset(
    {FinancialStatus.AUTHORIZED, FinancialStatus.PAID, FinancialStatus.VOIDED}
)
# The hub reserves for these: a platform shipment of units not yet reserved waits for it.
_ALLOCATES = frozenset(
    {S.READY, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.PARTIALLY_SHIPPED}
)
_CANCELLABLE = frozenset(
    {S.PENDING_REVIEW, S.READY, S.ON_HOLD, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED}
)


@dataclass
class _Line:
    row: LineRow
    key: str
    quantity: int
    shipped_before: int  # quantity_shipped: left before the hub held it
    cancelled: int
    hub_shipped: int = 0

    @property
    def open(self) -> int:
        return max(self.quantity - self.shipped_before - self.cancelled - self.hub_shipped, 0)


def apply_update(
    uow: UnitOfWork,
    channel: Channel,
    order: Order,
    incoming: Order,
    *,
    actor: str,
    settle: bool = False,
) -> Changes:
    """Inside the caller's open unit of work (no commit), with the order row locked.

    When the platform shipped units the hub has not reserved yet although the order is
    one it allocates (it was paid in this very update, say), nothing but the order's own
    status moves now (`Changes.deferred`): the caller allocates, then calls again with
    `settle=True` and the same update, so the units leave from the reservations and a
    refund in the update sees them shipped. On the settling call, units still not
    reserved (no stock) are only counted as shipped by the platform."""
    assert uow.tenant_id is not None and order.id is not None
    store = AllocationStore(uow.session, uow.tenant_id)
    lines = _lines(uow, store, order.id)
    changes = diff(_held(order, lines), incoming)
    if not settle and _needs_stock_first(uow, store, order, lines, changes):
        changes.deferred = True
        return changes
    _store_facts(uow, channel, order, incoming, changes)
    uow.session.flush()
    if changes.nothing:
        retry_held_restocks(uow, channel, order_id=order.id)
        return changes
    row = store.lock_order(order.id)
    status_before = row.status
    lines = _lines(uow, store, order.id)  # with added lines and new quantities
    parts = load_parts(uow, [line.row for line in lines.values()])
    # Every balance the facts may touch, locked up front in the global order (SKU,
    # warehouse, lot) as the allocator locks them: the steps below lock no new row
    # out of order, so a concurrent allocation waits instead of deadlocking.
    skus = {sku for components in parts.values() for sku, _ in components}
    if skus:
        store.lock_levels(skus, None)
    stock = StockChanges()
    was_shipped = row.status in _SHIPPED_ALREADY
    shipped_now = _ship(store, row, lines, parts, changes, stock, actor)
    if was_shipped and not shipped_now:
        # Seen shipped from its first arrival (WooCommerce completed): the count catches
        # up with what the hub knew, and is no new fact for anyone following the order.
        changes.shipments = {}
    _remove(store, row, lines, parts, changes, stock, actor)
    for refund in changes.refunds:
        _refund(uow, store, channel, row, lines, parts, refund, stock, actor)
    if changes.cancel or changes.release_all:
        why = "cancelled on the platform" if changes.cancel else "refunded before shipping"
        _cancel(store, row, lines, parts, stock, actor, why)
    _settle(row, lines, shipped_now, incoming.status)
    if row.status is not status_before or changes.cancel or changes.release_all:
        store.set_status(row)
    publish(uow.session, uow.tenant_id, stock)
    _announce(uow, order.id, changes)
    retry_held_restocks(uow, channel, order_id=order.id)
    return changes


def has_deferred(uow: UnitOfWork, order_id: int, incoming: Order) -> bool:
    """Inside an open unit of work: lock the order; True while `incoming` is still its
    version (a newer update carries its own facts), so settling it may apply facts."""
    o = t.orders.c
    stored = uow.session.execute(
        select(o.platform_updated_at).where(o.id == order_id).with_for_update()
    ).scalar()
    return stored == incoming.platform_updated_at


def _needs_stock_first(
    uow: UnitOfWork, store: AllocationStore, order: Order, lines: dict[str, _Line],
    changes: Changes,
) -> bool:  # fmt: skip
    if not changes.shipments or order.status not in _ALLOCATES:
        return False
    if order.fulfilled_by is FulfilledBy.MARKETPLACE:
        return False  # the marketplace ships from its own stock
    parts = load_parts(uow, [line.row for line in lines.values()])
    held = store.reservations([line.row.id for line in lines.values()])
    for key, units in changes.shipments.items():
        line = lines[key]
        if not parts[line.row.id]:
            continue  # unmapped: nothing to reserve
        mine: dict[int, int] = {}
        for res in held:
            if res.line_id == line.row.id:
                mine[res.sku_id] = mine.get(res.sku_id, 0) + res.quantity
        if units > units_done(parts[line.row.id], mine):
            return True
    return False


# ---- what the hub holds --------------------------------------------------------------


def _lines(uow: UnitOfWork, store: AllocationStore, order_id: int) -> dict[str, _Line]:
    c = t.order_lines.c
    rows = uow.session.execute(
        select(c.id, c.external_id, c.channel_sku, c.platform_listing_id, c.quantity,
               c.quantity_shipped, c.quantity_cancelled)
        .where(c.order_id == order_id)
    ).all()  # fmt: skip
    by_id = {line.id: line for line in store.lines(order_id)}
    found: dict[str, _Line] = {}
    for r in rows:
        key = r.external_id or line_mapping_key(r.channel_sku, r.platform_listing_id) or ""
        found[key] = _Line(by_id[r.id], key, r.quantity, r.quantity_shipped,
                           r.quantity_cancelled)  # fmt: skip
    parts = load_parts(uow, [line.row for line in found.values()])
    shipped = store.fulfilled_by_sku([line.row.id for line in found.values()], "shipment")
    for line in found.values():
        mine = {s: q for (li, s), q in shipped.items() if li == line.row.id}
        line.hub_shipped = units_done(parts[line.row.id], mine)
    return found


def _held(order: Order, lines: dict[str, _Line]) -> Held:
    refunded: dict[str, int] = {}
    for refund in order.refunds:
        for part in refund.lines:
            key = part.line_external_id or ""
            refunded[key] = refunded.get(key, 0) + part.quantity
    return Held(
        label=order.label,
        status=order.status,
        currency=order.currency,
        lines={
            key: HeldLine(
                line.row.id,
                line.quantity,
                line.shipped_before + line.hub_shipped,
                line.cancelled,
                refunded.get(key, 0),
            )
            for key, line in lines.items()
        },
        payments={payment_key(p) for p in order.payments},
        refunds={refund_key(r) for r in order.refunds},
        paid=sum((p.amount.amount for p in order.payments), Decimal(0)) if order.payments else None,
        refunded=sum((r.amount.amount for r in order.refunds), Decimal(0)),
        financial_status=order.financial_status,
    )


def _store_facts(
    uow: UnitOfWork, channel: Channel, order: Order, incoming: Order, changes: Changes
) -> None:
    """The order's own rows (ORM), before any stock moves."""
    for payment in changes.payments:
        payment.tenant_id = uow.tenant_id
    for refund in changes.refunds:
        refund.tenant_id = uow.tenant_id
    order.payments.extend(changes.payments)
    order.refunds.extend(changes.refunds)
    for name in ("financial_status", "fulfillment_status", "platform_status"):
        if getattr(incoming, name) is not None:
            setattr(order, name, getattr(incoming, name))
    if incoming.cancelled_at is not None:
        order.cancelled_at, order.cancel_reason = incoming.cancelled_at, incoming.cancel_reason
    for line in order.lines:
        quantity = changes.quantities.get(line_key(line))
        if quantity is not None:
            line.quantity = quantity
    for line in changes.added:
        line.tenant_id = uow.tenant_id
        line.quantity_shipped = 0  # shipped units are applied as a shipment below
        key = line.mapping_key
        listing = uow.listings.find(channel_id=channel.id, channel_sku=key) if key else None
        if listing is not None:
            line.listing_id, line.sku_id = listing.id, listing.sku_id
        order.add_line(line)


# ---- stock -----------------------------------------------------------------------------


def _ship(
    store: AllocationStore,
    row: OrderRow,
    lines: dict[str, _Line],
    parts: Parts,
    changes: Changes,
    stock: StockChanges,
    actor: str,
) -> bool:
    """Platform shipments: from the reservations first; units the hub never held (not
    allocated, backordered) are counted as shipped by the platform, stock untouched."""
    moved = False
    for key, units in changes.shipments.items():
        line = lines[key]
        covered = fulfilment.ship_reserved(
            store, row, line.row.id, parts[line.row.id], units, stock,
            actor=actor, reason="shipped on the platform",
        )  # fmt: skip
        line.hub_shipped += covered
        moved = moved or covered > 0
        if units > covered:
            line.shipped_before += units - covered
            _set_line(store, line.row.id, quantity_shipped=line.shipped_before)
    return moved


def _remove(
    store: AllocationStore,
    row: OrderRow,
    lines: dict[str, _Line],
    parts: Parts,
    changes: Changes,
    stock: StockChanges,
    actor: str,
) -> None:
    for key in changes.removed:
        line = lines[key]
        units = line.open
        fulfilment.release_reserved(
            store, row, line.row.id, parts[line.row.id], units, stock,
            actor=actor, reason=f"line {key} removed on the platform",
        )  # fmt: skip
        line.cancelled += units
        _set_line(store, line.row.id, quantity_cancelled=line.cancelled)


def _refund(
    uow: UnitOfWork,
    store: AllocationStore,
    channel: Channel,
    row: OrderRow,
    lines: dict[str, _Line],
    parts: Parts,
    refund: Refund,
    stock: StockChanges,
    actor: str,
) -> None:
    """Refunded units not yet shipped never ship: released, whatever the restock flag
    (they never left). Shipped units come back only when the platform says restock."""
    rk = refund_key(refund)
    # Per line and restock flag: one line's units may come back partly restocked, partly
    # not (a Medusa return with damaged units), and neither part may take the other's flag.
    per_line: dict[tuple[str, bool], tuple[int, str | None]] = {}
    for part in refund.lines:
        restock = part.restock if part.restock is not None else refund.restock
        group = (part.line_external_id or "", bool(restock))
        units, location = per_line.get(group, (0, None))
        location = part.restock_location or refund.restock_location or location
        per_line[group] = (units + part.quantity, location)
    for (key, restock), (units, location) in per_line.items():
        line = lines[key]
        if units == 0:
            continue
        cancel = min(units, line.open)
        if cancel:
            fulfilment.release_reserved(
                store, row, line.row.id, parts[line.row.id], cancel, stock,
                actor=actor, reason=f"refund {rk}: line {key} will not ship",
            )  # fmt: skip
            line.cancelled += cancel
            _set_line(store, line.row.id, quantity_cancelled=line.cancelled)
        back = units - cancel
        if back and restock:
            _restock(uow, store, channel, row, line, parts, rk, back, location, stock, actor)


def _restock(
    uow: UnitOfWork,
    store: AllocationStore,
    channel: Channel,
    row: OrderRow,
    line: _Line,
    parts: Parts,
    rk: str,
    units: int,
    location: str | None,
    stock: StockChanges,
    actor: str,
) -> None:
    warehouse = location_warehouses(uow, channel).get(location) if location else None
    values: dict[str, Any] = {
        "tenant_id": uow.tenant_id, "order_id": row.id, "refund_key": rk,
        "order_line_id": line.row.id, "quantity": units, "location": location,
        "created_at": utcnow(),
    }  # fmt: skip
    if location and warehouse is None:
        record = f"{row.label} line {line.key} (refund {rk})"
        reason = (
            f"restock unknown: location {location} of channel {channel.name} is linked to no "
            f"warehouse; link it with `hub channel link-location {channel.name} {location} "
            "WAREHOUSE` and the units go back"
        )
        assert uow.tenant_id is not None
        error_id = record_error(
            uow.session, uow.tenant_id, channel.id, None, "restock", record,
            "restock_location", reason,
        )  # fmt: skip
        uow.session.execute(
            order_restocks.insert().values(
                **values, status=RESTOCK_HELD, reason=reason, error_id=error_id
            )
        )
        return
    done = fulfilment.restock_shipped(
        store, row, line.row.id, parts[line.row.id], units, warehouse, stock,
        actor=actor, reason=f"refund {rk} restocked", reference=f"refund:{rk}/line:{line.row.id}",
    )  # fmt: skip
    uow.session.execute(
        order_restocks.insert().values(
            **{**values, "quantity": done}, warehouse_id=warehouse, status=RESTOCK_DONE,
            done_at=utcnow(),
        )
    )  # fmt: skip


def _cancel(
    store: AllocationStore,
    row: OrderRow,
    lines: dict[str, _Line],
    parts: Parts,
    stock: StockChanges,
    actor: str,
    why: str,
) -> None:
    """Every unit still open will not ship; what shipped stays shipped."""
    for line in lines.values():
        units = line.open
        if units:
            fulfilment.release_reserved(
                store, row, line.row.id, parts[line.row.id], units, stock,
                actor=actor, reason=why,
            )  # fmt: skip
            line.cancelled += units
            _set_line(store, line.row.id, quantity_cancelled=line.cancelled)
    store.clear_backorders([line.row.id for line in lines.values()])
    if row.status in _CANCELLABLE:
        row.status, row.status_reason = S.CANCELLED, f"{why} ({actor})"


def _settle(row: OrderRow, lines: dict[str, _Line], shipped_now: bool, target: OrderStatus) -> None:
    """The hub status after the facts: shipped when nothing is left to ship, cancelled
    when nothing shipped and nothing is left; then the platform-driven ends."""
    if row.status not in (S.CANCELLED, S.REFUNDED, S.COMPLETED):
        left = sum(line.open for line in lines.values())
        ours = sum(line.hub_shipped for line in lines.values())
        if left == 0 and ours == 0 and row.status in _CANCELLABLE:
            if not any(line.shipped_before for line in lines.values()):
                row.status, row.status_reason = S.CANCELLED, "nothing left to ship"
        elif left == 0 and ours:
            _advance(row, S.SHIPPED)
        elif shipped_now:
            _advance(row, S.PARTIALLY_SHIPPED)
    if target in _PLATFORM_DRIVEN and can_transition(row.status, target):
        row.status, row.status_reason = target, None


def _advance(row: OrderRow, target: OrderStatus) -> None:
    for via in (None, S.PARTIALLY_SHIPPED, S.ALLOCATED):
        if via is None and can_transition(row.status, target):
            row.status, row.status_reason = target, None
            return
        if via is not None and can_transition(row.status, via) and can_transition(via, target):
            row.status, row.status_reason = target, None
            return


def _set_line(store: AllocationStore, line_id: int, **values: int) -> None:
    store.session.execute(
        update(t.order_lines).where(t.order_lines.c.id == line_id).values(**values)
    )


def _announce(uow: UnitOfWork, order_id: int, changes: Changes) -> None:
    if changes.payments or changes.financial_status in _PAYMENT_STATES:
        record_order_change(
            uow, order_id, "payment",
            payments=[payment_key(p) for p in changes.payments],
            financial_status=changes.financial_status.value if changes.financial_status else None,
        )  # fmt: skip
    for refund in changes.refunds:
        record_order_change(
            uow, order_id, "refund", refund=refund_key(refund), amount=str(refund.amount)
        )
    if changes.shipments:
        record_order_change(uow, order_id, "shipment", lines=dict(changes.shipments))
    if changes.cancel:
        record_order_change(uow, order_id, "cancellation")
    if changes.lines_edited:
        record_order_change(
            uow, order_id, "lines",
            quantities=dict(changes.quantities), removed=list(changes.removed),
            added=[line_key(line) for line in changes.added],
        )  # fmt: skip


# ---- locations -------------------------------------------------------------------------


def location_warehouses(uow: UnitOfWork, channel: Channel) -> dict[str, int]:
    """Platform location id -> hub warehouse id, from the channel's location links
    (settings["locations"]: warehouse code -> location id)."""
    links = (channel.settings or {}).get("locations") or {}
    if not links:
        return {}
    w = t.warehouses.c
    codes = dict(
        uow.session.execute(
            select(w.code, w.id).where(w.tenant_id == uow.tenant_id, w.code.in_(list(links)))
        ).all()
    )
    return {str(loc): codes[code] for code, loc in links.items() if code in codes}


def retry_held_restocks(uow: UnitOfWork, channel: Channel, *, order_id: int | None = None) -> int:
    """Inside an open unit of work: put back the held restocks whose location is now
    linked (of one order, or of the whole channel); their error-queue entries close.
    Returns how many were applied."""
    assert uow.tenant_id is not None
    r, o = order_restocks.c, t.orders.c
    query = (
        select(r.id, r.order_id, r.order_line_id, r.quantity, r.location, r.refund_key, r.error_id)
        .join(t.orders, o.id == r.order_id)
        .where(r.tenant_id == uow.tenant_id, o.channel_id == channel.id, r.status == RESTOCK_HELD)
    )
    if order_id is not None:
        query = query.where(r.order_id == order_id)
    held = uow.session.execute(query.order_by(r.id)).all()
    if not held:
        return 0
    linked = location_warehouses(uow, channel)
    store = AllocationStore(uow.session, uow.tenant_id)
    applied = 0
    for h in held:
        warehouse = linked.get(h.location or "")
        if warehouse is None:
            continue
        row = store.lock_order(h.order_id)
        line = next(x for x in store.lines(h.order_id) if x.id == h.order_line_id)
        parts = load_parts(uow, [line])
        stock = StockChanges()
        done = fulfilment.restock_shipped(
            store, row, line.id, parts[line.id], h.quantity, warehouse, stock,
            actor=f"channel {channel.name}", reason=f"refund {h.refund_key} restocked",
            reference=f"refund:{h.refund_key}/line:{line.id}",
        )  # fmt: skip
        publish(uow.session, uow.tenant_id, stock)
        uow.session.execute(
            update(order_restocks)
            .where(r.id == h.id)
            .values(status=RESTOCK_DONE, quantity=done, warehouse_id=warehouse, done_at=utcnow())
        )
        if h.error_id is not None:
            e = sync_errors.c
            uow.session.execute(
                update(sync_errors).where(e.id == h.error_id).values(resolved_at=utcnow())
            )
        applied += 1
    return applied
