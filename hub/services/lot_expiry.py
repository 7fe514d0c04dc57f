"""Lots near and past their expiry date: the report, the alert, and the figures.

- An expired lot is never sellable (hub.domain.inventory.lot_expired): the allocator
  skips it and every figure (published, ATS, reorder, stock report) counts it as 0.
- A day passing expires a lot with no stock movement, so nothing would republish its
  SKU's figures: `lot_upkeep` (run by the periodic sweep) republishes them once per
  lot, on the first run after it expired (`lot_expiries` remembers which).
- `lot_upkeep` also writes one `lot.near_expiry` outbox event per lot, warehouse and
  alert window (HUB_LOT_ALERT_DAYS) when a lot with units on hand enters the window;
  `lot_alerts` remembers it, so later runs send nothing. A tighter window set later
  announces again (more urgent); a wider one does not repeat what was announced.
  Delivery (webhook, e-mail) consumes the event; the hub does not send it itself.
- An order that reserved units of a lot before it expired is moved off it: its lines
  holding such units are released and allocated again (FEFO, sellable lots only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hub.db.allocation_store import AllocationStore
from hub.db.lot_rows import (
    alerted_within,
    claim,
    near_expiry_rows,
    newly_expired,
    reserved_expired,
)
from hub.db.outbox import Outbox, OutboxEvent
from hub.db.tables_replenishment import lot_alerts, lot_expiries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import DomainError, InvalidValue
from hub.services.allocation import allocate
from hub.services.fulfilment import release_lines
from hub.services.stock_events import StockChanges, publish

log = logging.getLogger(__name__)

__all__ = ["LOT_NEAR_EXPIRY", "NearExpiry", "UpkeepReport", "lot_upkeep", "near_expiry_report"]

LOT_NEAR_EXPIRY = "lot.near_expiry"


@dataclass(frozen=True)
class NearExpiry:
    sku: str
    warehouse: str
    lot: str
    expires_on: date
    days_left: int  # negative: expired that many days ago
    on_hand: int
    reserved: int
    expired: bool


@dataclass(frozen=True)
class UpkeepReport:
    expired_lots: int  # lots whose expiry was reflected in the figures by this run
    figure_events: int  # stock.changed events that wrote
    alerts: int  # lot.near_expiry events written
    reallocated: list[str] = field(default_factory=list)  # orders moved off expired lots


def _days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise InvalidValue("days", days, "must be a whole number 0..3650", record="near expiry")
    return days


def near_expiry_report(uow: UnitOfWork, days: int, today: date | None = None) -> list[NearExpiry]:
    """Balances with units on hand of a lot expiring within `days` (or already expired,
    to scrap or return), soonest first."""
    day = today or utcnow().date()
    until = day + timedelta(days=_days(days))
    with uow:
        assert uow.tenant_id is not None
        rows = near_expiry_rows(uow.session, uow.tenant_id, until)
    return [
        NearExpiry(
            r.sku,
            r.warehouse,
            r.lot,
            r.expires_on,
            (r.expires_on - day).days,
            r.on_hand,
            r.reserved,
            r.expires_on < day,
        )
        for r in rows
    ]


def lot_upkeep(uow: UnitOfWork, *, alert_days: int, today: date | None = None) -> UpkeepReport:
    """One transaction: republish the figures of lots that expired since the last run,
    and alert once for lots entering the near-expiry window."""
    day = today or utcnow().date()
    window = _days(alert_days)
    with uow:
        tenant_id = uow.tenant_id
        assert tenant_id is not None
        session = uow.session
        now = utcnow()
        expired = newly_expired(session, tenant_id, day)
        figure_events: list[OutboxEvent] = []
        if expired:
            # lock every balance of those SKUs (global order), then publish from them
            changes = StockChanges()
            store = AllocationStore(session, tenant_id)
            for level, _expiry in store.lock_levels({r.sku_id for r in expired}, None):
                changes.touch(level)
            figure_events = publish(session, tenant_id, changes, day)
            claim(
                session,
                lot_expiries,
                [
                    {"tenant_id": tenant_id, "lot_id": r.lot_id, "published_at": now}
                    for r in expired
                ],
                ["lot_id"],
            )
        announced = alerted_within(session, tenant_id, window)
        near = [
            r
            for r in near_expiry_rows(session, tenant_id, day + timedelta(days=window))
            if r.expires_on >= day and (r.lot_id, r.warehouse_id) not in announced
        ]
        claimed = claim(
            session,
            lot_alerts,
            [
                {
                    "tenant_id": tenant_id,
                    "lot_id": r.lot_id,
                    "warehouse_id": r.warehouse_id,
                    "threshold_days": window,
                    "created_at": now,
                }
                for r in near
            ],
            ["lot_id", "warehouse_id", "threshold_days"],
        )
        alerts = [_alert(r) for r in near if (r.lot_id, r.warehouse_id, window) in claimed]
        Outbox(session, tenant_id).add_many(alerts)
        uow.commit()
    changed = [e for e in figure_events if e.topic.startswith("stock.changed")]
    moved = _off_expired_lots(uow, day)
    return UpkeepReport(len(expired), len(changed), len(alerts), moved)


def _off_expired_lots(uow: UnitOfWork, day: date) -> list[str]:
    """Orders still holding units of an expired lot (reserved before it expired) must not
    ship them: release those lines and allocate them again, first-expiry-first-out from
    sellable lots (or backordered / held per the channel's shortfall policy). Checked on
    every run, so an order a failed run left behind is moved by the next one."""
    with uow:
        assert uow.tenant_id is not None
        holding = reserved_expired(uow.session, uow.tenant_id, day)
    moved = []
    for order_id, line_ids in holding.items():
        try:
            release_lines(uow, order_id, line_ids, actor="upkeep")
            moved.append(allocate(uow, order_id, actor="upkeep", today=day).order)
        except DomainError as exc:  # e.g. the order shipped meanwhile: nothing to move
            log.warning("order #%s keeps its expired-lot reservation: %s", order_id, exc)
    return moved


def _alert(r: Any) -> OutboxEvent:
    payload = {
        "sku_id": r.sku_id,
        "sku": r.sku,
        "lot": r.lot,
        "warehouse": r.warehouse,
        "expires_on": r.expires_on.isoformat(),
        "quantity": r.on_hand,
    }
    return OutboxEvent(LOT_NEAR_EXPIRY, f"lot:{r.lot_id}/warehouse:{r.warehouse_id}", payload)
