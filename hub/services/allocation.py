"""Allocate an order: reserve stock for each line exactly once, from the channel's warehouses.

One short transaction per attempt: lock the order row, then the candidate balances in
the global order (sku, warehouse, lot), decide from the locked snapshot with the pure
strategy (hub.domain.allocation), write reservations + ledger movements + outbox
events, commit. Deadlocks, serialization failures and lock timeouts are retried with
jitter (hub.db.retry). Allocating again only reconciles the difference, so a repeat is
a no-op that returns the existing reservations.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from hub.db import tables_allocation as ta
from hub.db.allocation_pg import PgAllocation
from hub.db.allocation_snapshot import (
    OrderSnapshot,
    StockSnapshot,
    load_order,
    load_orders,
    lock_snapshot,
)
from hub.db.allocation_store import AllocationStore, OrderRow
from hub.db.allocation_writes import Writes
from hub.db.order_rule_store import HELD, OrderRuleStore
from hub.db.outbox import Outbox
from hub.db.retry import with_retries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import DomainError, InvalidValue, NotFound, UnknownAmount
from hub.domain.order_rules import RuleFacts, RuleHit, evaluate, hold_reason, needs_total
from hub.domain.orders import OrderStatus
from hub.instruments import ALLOCATION_SECONDS
from hub.services.allocation_reconcile import (
    AllocationResult,
    Need,
    Reserved,
    check_lines,
    move_status,
    needs,
    publish_figures,
    reconcile,
)
from hub.services.bundle_figures import publish_bundle_figures
from hub.services.bundle_lines import load_parts
from mapping.addresses import country_and_subdivision

__all__ = [
    "ALLOCATABLE",
    "AllocationResult",
    "Reserved",
    "allocate",
    "allocate_batch",
    "approve",
    "check_lines",
    "find_order",
    "move_status",
]

S = OrderStatus
ALLOCATABLE = frozenset(
    {S.READY, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.PARTIALLY_SHIPPED}
)


def allocate(
    uow: UnitOfWork, order_id: int, *, actor: str = "hub", today: date | None = None
) -> AllocationResult:
    """Reserve what the order still needs (or release what it no longer needs)."""
    day = today or utcnow().date()
    with ALLOCATION_SECONDS.time():
        return with_retries(lambda: _run(uow, [order_id], actor, day, approve=False)[order_id])  # type: ignore[return-value]


def approve(
    uow: UnitOfWork,
    order_id: int,
    *,
    actor: str,
    today: date | None = None,
    rules: Collection[str] | None = None,
) -> AllocationResult:
    """Release an order from review (or hold) and allocate it, in one transaction. The
    review rules holding it (only `rules`, when named) are released for good; the other
    rules run again and may hold it anew (the result then says ON_HOLD and why)."""
    day = today or utcnow().date()
    release = None if rules is None else frozenset(rules)
    with ALLOCATION_SECONDS.time():
        return with_retries(
            lambda: _run(uow, [order_id], actor, day, approve=True, release=release)[order_id]
        )  # type: ignore[return-value]


def allocate_batch(
    uow: UnitOfWork,
    order_ids: list[int],
    *,
    actor: str = "hub",
    today: date | None = None,
    in_order: bool = False,
) -> dict[int, AllocationResult | DomainError]:
    """Allocate many orders in one transaction: the order rows, then every balance of
    their SKUs, are locked up front in the global order. An order that is refused gets
    its error in the result and writes nothing; the rest of the batch goes on.
    in_order: serve the orders in the order given (the backorder fill order), not by id;
    the locks are still taken by id."""
    day = today or utcnow().date()
    ids = list(dict.fromkeys(order_ids)) if in_order else sorted(set(order_ids))
    with ALLOCATION_SECONDS.time():
        return with_retries(lambda: _run(uow, ids, actor, day, approve=False, batch=True))


class _Relock(Exception):
    """The balances locked up front missed a SKU the orders need (a bundle component):
    start over, locking these SKUs with the orders."""

    def __init__(self, skus: set[int]) -> None:
        self.skus = skus


def _run(
    uow: UnitOfWork,
    order_ids: list[int],
    actor: str,
    today: date,
    approve: bool,
    batch: bool = False,
    release: Collection[str] | None = None,
) -> dict[int, AllocationResult | DomainError]:
    skus: set[int] | None = None
    while True:
        try:
            return _attempt(uow, order_ids, actor, today, approve, batch, skus, release)
        except _Relock as relock:
            skus = relock.skus


def _attempt(
    uow: UnitOfWork,
    order_ids: list[int],
    actor: str,
    today: date,
    approve: bool,
    batch: bool,
    skus: set[int] | None,
    release: Collection[str] | None = None,
) -> dict[int, AllocationResult | DomainError]:
    results: dict[int, AllocationResult | DomainError] = {}
    with uow:
        assert uow.tenant_id is not None
        store = AllocationStore(uow.session, uow.tenant_id)
        pg = PgAllocation(uow.session, uow.tenant_id) if PgAllocation.usable(uow.session) else None
        locked: StockSnapshot | None = None
        if pg is not None:
            orders, locked = pg.read(order_ids, skus)
        elif batch:
            orders = load_orders(uow.session, uow.tenant_id, order_ids)
        else:
            orders = {order_ids[0]: load_order(uow.session, uow.tenant_id, order_ids[0])}
        if not batch and order_ids[0] not in orders:
            raise NotFound("order", order_ids[0])
        planned: list[tuple[OrderSnapshot, Need]] = []
        parts = load_parts(uow, [line for snap in orders.values() for line in snap.lines])
        dirty = False
        for order_id in order_ids:
            snap = orders.get(order_id)
            if snap is None:
                results[order_id] = NotFound("order", order_id)
                continue
            was = (snap.order.status, snap.order.status_reason)
            try:
                early = _gate(uow, store, snap, actor, approve, release)
                if early is not None:
                    results[order_id] = early
                    dirty = True  # the rules' hold was written
                    continue
                need = needs(store, snap, parts)
            except DomainError as exc:
                if not batch:
                    raise
                results[order_id] = exc
                continue
            if need.nothing and not snap.backorders:
                if (snap.order.status, snap.order.status_reason) != was:
                    store.set_status(snap.order)
                    dirty = True
                results[order_id] = _unchanged(snap)
            else:
                planned.append((snap, need))
        if planned:
            wanted = {d.sku_id for _s, n in planned for d in n.demands}
            wanted |= {sku for _s, n in planned for _line, sku, _q in n.releases}
            if locked is None:
                stock = lock_snapshot(uow.session, uow.tenant_id, wanted)
            else:
                covered = skus if skus is not None else _named_or_held(orders.values())
                if not wanted <= covered:
                    raise _Relock(wanted | covered)
                stock = locked
            writes = Writes()
            for snap, need in planned:
                try:
                    _check_channel(store, snap, need, stock.members)
                except DomainError as exc:
                    if not batch:
                        raise
                    results[snap.order.id] = exc
                    continue
                results[snap.order.id] = reconcile(snap, need, stock, writes, actor, today, parts)
            publish_figures(stock, writes, today)
            touched = {lv.sku_id for lv in writes.levels.values()} & stock.components
            if pg is not None and not touched:
                pg.flush_and_commit(writes)
                uow.commit()  # nothing left to send: this ends the session's transaction
                return results
            writes.flush(uow.session, uow.tenant_id)
            if touched:  # after the flush: bundle figures are computed from the new balances
                bundle_events = publish_bundle_figures(uow.session, uow.tenant_id, touched, today)
                Outbox(uow.session, uow.tenant_id).add_many(bundle_events)
            dirty = True
        if dirty:
            uow.commit()
    return results


def _named_or_held(orders: Iterable[OrderSnapshot]) -> set[int]:
    """The SKUs whose balances PgAllocation.read locked with these orders."""
    skus = {line.sku_id for snap in orders for line in snap.lines if line.sku_id is not None}
    return skus | {r.sku_id for snap in orders for r in snap.reservations}


def _unchanged(snap: OrderSnapshot) -> AllocationResult:
    reserved = [
        Reserved(r.line_id, r.warehouse_id, r.sku_id, r.lot_code, r.quantity)
        for r in snap.reservations
    ]
    order = snap.order
    return AllocationResult(
        order.external_id, order.status, order.status_reason, reserved, {}, changed=False
    )


def _check_channel(
    store: AllocationStore, snap: OrderSnapshot, need: Need, members: dict[int, dict[int, int]]
) -> None:
    """A channel that sells from no warehouse at all is a setup error, not a shortfall."""
    if not need.demands or snap.order.channel_id in members:
        return
    cw = ta.channel_warehouses.c
    count = store.session.execute(
        select(func.count()).where(cw.channel_id == snap.order.channel_id)
    ).scalar_one()
    if count == 0:
        raise InvalidValue(
            "warehouses",
            [],
            "the channel sells from no warehouse; set them with `hub channel policy warehouses`",
            record=f"{snap.order.label} channel #{snap.order.channel_id}",
        )


def _gate(
    uow: UnitOfWork,
    store: AllocationStore,
    snap: OrderSnapshot,
    actor: str,
    approve: bool,
    release: Collection[str] | None = None,
) -> AllocationResult | None:
    """Where allocation starts, every order passes the review rules: an order entering an
    allocatable state (READY, or PENDING_REVIEW asked to allocate) is checked whichever
    state it arrived in and whichever path brought it (ingest, a later payment,
    re-allocation after an update, an approval). Orders already allocated, partly
    allocated or backordered passed when they left READY. A result means 'stop here'."""
    order = snap.order
    if approve:
        if order.status not in (S.PENDING_REVIEW, S.ON_HOLD):
            raise InvalidValue(
                "status",
                order.status.value,
                "only an order pending review or on hold can be approved",
                record=order.label,
            )
        _release_rules(uow, order, release, actor)
        move_status(order, S.READY, f"approved by {actor}")
    if order.status in (S.PENDING_REVIEW, S.READY):
        hits = _rule_hits(uow, snap)
        if hits:
            return _hold(uow, store, order, hits)
        if order.status is S.PENDING_REVIEW:
            move_status(order, S.READY, None)  # written with the allocation, not before
    if order.status not in ALLOCATABLE:
        raise InvalidValue(
            "status",
            order.status.value,
            "an order in this state cannot be allocated",
            record=order.label,
        )
    return None


def _rule_hits(uow: UnitOfWork, snap: OrderSnapshot) -> list[RuleHit]:
    """The rules the order trips now, less those released for it. The released set is
    read only when something fires, so an order that passes costs no query."""
    order, policy = snap.order, snap.policy
    total: Decimal | None = None
    if needs_total(policy):
        try:
            total = uow.orders.get(order.id).grand_total.rounded().amount
        except UnknownAmount:
            total = None
    country, _subdivision = country_and_subdivision(order.ship_to)
    facts = RuleFacts(order.customer_email, order.flagged, country, total)
    hits = evaluate(facts, policy)
    if not hits:
        return []
    assert uow.tenant_id is not None
    released = OrderRuleStore(uow.session, uow.tenant_id).released(order.id)
    return [hit for hit in hits if hit.rule not in released]


def _hold(
    uow: UnitOfWork, store: AllocationStore, order: OrderRow, hits: list[RuleHit]
) -> AllocationResult:
    assert uow.tenant_id is not None
    OrderRuleStore(uow.session, uow.tenant_id).hold(order.id, hits, utcnow())
    if order.status is not S.ON_HOLD:
        order.resume_status = order.status
    move_status(order, S.ON_HOLD, hold_reason(hits))
    store.hold(order)
    return AllocationResult(order.external_id, order.status, order.status_reason)


def _release_rules(
    uow: UnitOfWork, order: OrderRow, rules: Collection[str] | None, actor: str
) -> None:
    """An operator's release: the rules holding the order (or the named ones) never hold
    it again; every other rule runs again right after."""
    assert uow.tenant_id is not None
    rule_store = OrderRuleStore(uow.session, uow.tenant_id)
    if rules is not None:
        holding = {r for r, state in rule_store.states(order.id).items() if state == HELD}
        unknown = sorted(set(rules) - holding)
        if unknown:
            raise InvalidValue(
                "rule",
                ", ".join(unknown),
                f"does not hold the order (holding: {', '.join(sorted(holding)) or 'none'})",
                record=order.label,
            )
    rule_store.release(order.id, rules, actor, utcnow())


def find_order(uow: UnitOfWork, channel_name: str, external_id: str) -> tuple[int, dict[str, int]]:
    """The order's id and its lines by name (external line id, else channel SKU)."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        order = uow.orders.by_external_id(channel.id, external_id)
        if order is None or order.id is None:
            raise NotFound("order", f"{channel_name}/{external_id}")
        lines = {(line.external_id or line.mapping_key or ""): line.id for line in order.lines}
        return order.id, {name: line_id for name, line_id in lines.items() if line_id is not None}
