"""Stock arrived: fill waiting backorders, best first, through the allocator.

Receiving stock (a purchase-order receipt, a return, a count that found more, a
transfer in) commits first; then `fill_backorders` offers the new units to the orders
waiting for those SKUs in fill order: the channel's backorder priority (higher first),
then the order's placed-at (older first). Each page of orders is allocated by
`hub.services.allocation.allocate_batch` in that order, so every invariant of the
allocator holds (locks, never oversell, one ledger movement per reservation, figures
published in the same transaction). The loop stops as soon as no channel with a
backorder has free units of those SKUs left, so its cost follows the units that
arrived, not the number of backorders waiting.

A fill that fails after the receipt committed loses nothing: the backorders stay, and
`hub stock fill-backorders` or the periodic sweep (hub/tasks_replenishment.py) fills
them later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from hub.db.backorder_rows import FillKey, channels_with_free, next_backorders
from hub.db.tables_replenishment import backorder_priorities
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import DomainError, InvalidValue
from hub.domain.orders import OrderStatus
from hub.services.allocation import allocate_batch

__all__ = [
    "FILL_PAGE",
    "FillReport",
    "SweepReport",
    "after_receiving",
    "backorder_priority",
    "fill_backorders",
    "set_backorder_priority",
    "sweep",
]

log = logging.getLogger(__name__)

FILL_PAGE = 100  # orders allocated per transaction while filling


@dataclass
class FillReport:
    tried: int = 0  # orders offered the new stock
    changed: list[str] = field(default_factory=list)  # orders that reserved more
    filled: list[str] = field(default_factory=list)  # ... and now wait for nothing
    errors: dict[str, str] = field(default_factory=dict)  # order -> why it was refused


def fill_backorders(
    uow: UnitOfWork,
    sku_ids: Iterable[int] | None = None,
    *,
    actor: str = "hub",
    today: date | None = None,
    page: int = FILL_PAGE,
) -> FillReport:
    """Offer free stock of `sku_ids` (None: every SKU with a backorder) to the orders
    waiting for it, in fill order, a page per transaction, until it runs out."""
    day = today or utcnow().date()
    wanted = None if sku_ids is None else sorted(set(sku_ids))
    report = FillReport()
    after: FillKey | None = None
    while True:
        with uow:
            assert uow.tenant_id is not None
            free = channels_with_free(uow.session, uow.tenant_id, wanted, day)
            # every waiting order needs a unit at least: no more orders than free units
            # per page, so a few units arriving cost a few orders, not a whole page
            units: dict[int, int] = {}
            for (_channel, sku), n in free.items():
                units[sku] = max(units.get(sku, 0), n)
            limit = max(1, min(page, sum(units.values())))
            keys = next_backorders(uow.session, uow.tenant_id, free, after, limit)
        if not keys:
            return report
        after = keys[-1]
        wanted = sorted(units)  # narrow to what is still free: the next query is cheaper
        results = allocate_batch(
            uow, [k.order_id for k in keys], actor=actor, today=day, in_order=True
        )
        report.tried += len(keys)
        for key in keys:
            result = results[key.order_id]
            if isinstance(result, DomainError):
                report.errors[str(key.order_id)] = str(result)
            elif result.changed:
                report.changed.append(result.order)
                if not result.backorders and result.status is OrderStatus.ALLOCATED:
                    report.filled.append(result.order)


def after_receiving(uow: UnitOfWork, sku_ids: Iterable[int], *, actor: str) -> FillReport | None:
    """Called by every service that brought units in, after its transaction committed.
    The units are already safe; a fill that fails is left to the sweep, not raised."""
    try:
        return fill_backorders(uow, sku_ids, actor=actor)
    except SQLAlchemyError:
        log.exception("filling backorders after a receipt failed; the sweep will retry")
        return None


def set_backorder_priority(uow: UnitOfWork, channel_name: str, priority: int) -> int:
    """Higher is filled first when stock arrives; every channel starts at 0."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidValue("priority", priority, "must be a whole number", record=channel_name)
    if not -1_000_000 <= priority <= 1_000_000:
        raise InvalidValue("priority", priority, "must be within ±1000000", record=channel_name)
    with uow:
        channel = uow.channels.by_key(channel_name)
        p = backorder_priorities.c
        found = uow.session.execute(
            select(p.id).where(p.tenant_id == uow.tenant_id, p.channel_id == channel.id)
        ).scalar_one_or_none()
        if found is None:
            uow.session.execute(
                backorder_priorities.insert().values(
                    tenant_id=uow.tenant_id, channel_id=channel.id, priority=priority
                )
            )
        else:
            uow.session.execute(
                update(backorder_priorities).where(p.id == found).values(priority=priority)
            )
        uow.commit()
    return priority


def backorder_priority(uow: UnitOfWork, channel_name: str) -> int:
    with uow:
        channel = uow.channels.by_key(channel_name)
        p = backorder_priorities.c
        found = uow.session.execute(
            select(p.priority).where(p.tenant_id == uow.tenant_id, p.channel_id == channel.id)
        ).scalar_one_or_none()
    return int(found or 0)


@dataclass(frozen=True)
class SweepReport:
    tenants: int
    changed: int  # orders that reserved more
    filled: int
    expired_lots: int
    figure_events: int
    alerts: int


def sweep(
    uow_for: Callable[[int | None], UnitOfWork], *, alert_days: int, today: date | None = None
) -> SweepReport:
    """The periodic safety net, every tenant in turn: fill what receipts left waiting
    (a fill that failed after its receipt committed), then the lots' upkeep (figures of
    lots that expired, near-expiry alerts). Each step is its own short transactions."""
    from hub.services.lot_expiry import lot_upkeep  # lot_expiry is a sibling, not a base

    with uow_for(None) as uow:
        tenant_ids = [t.id for t in uow.tenants.list() if t.id is not None]
    changed = filled = expired = figures = alerts = 0
    for tenant_id in tenant_ids:
        fill = fill_backorders(uow_for(tenant_id), actor="sweep", today=today)
        upkeep = lot_upkeep(uow_for(tenant_id), alert_days=alert_days, today=today)
        changed, filled = changed + len(fill.changed), filled + len(fill.filled)
        expired += upkeep.expired_lots
        figures += upkeep.figure_events
        alerts += upkeep.alerts
    return SweepReport(len(tenant_ids), changed, filled, expired, figures, alerts)
