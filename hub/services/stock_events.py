"""After a stock change, inside the same transaction: publish every channel figure it moved.

For each (channel, SKU) whose available-to-sell may have changed, the published-figure
row is locked *before* the figure is computed. Two transactions that change different
warehouses of one SKU therefore publish one after the other, and the second computes
from a snapshot that includes the first: the last event always carries the true figure.
An event is written only when the figure actually changed ("stock.changed"), plus a
"stock.low" event when a balance falls to or below its reorder point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hub.db import published_figures
from hub.db import tables_allocation as ta
from hub.db.allocation_store import policy_from_row
from hub.db.allocation_writes import STOCK_CHANGED, changed_event
from hub.db.outbox import Outbox, OutboxEvent
from hub.db.unit_of_work import UnitOfWork
from hub.domain.availability import channel_available
from hub.domain.inventory import StockLevel
from hub.services.bundle_figures import publish_bundle_figures

STOCK_LOW = "stock.low"
_lock_published = published_figures.lock_published

__all__ = ["STOCK_CHANGED", "STOCK_LOW", "StockChanges", "publish", "publish_levels"]


@dataclass
class StockChanges:
    """Balances touched in one transaction, with their available figure before the first
    change (to detect crossing the reorder point)."""

    before: dict[tuple[int, int, str], int] = field(default_factory=dict)
    levels: dict[tuple[int, int, str], StockLevel] = field(default_factory=dict)

    def touch(self, level: StockLevel) -> StockLevel:
        key = (level.warehouse_id, level.sku_id, level.lot_code)
        self.before.setdefault(key, level.available)
        self.levels[key] = level
        return level

    def __bool__(self) -> bool:
        return bool(self.levels)


def publish_levels(uow: UnitOfWork, levels: list[tuple[StockLevel, int]]) -> list[OutboxEvent]:
    """For services that change balances through the ORM: (level after the change, its
    available figure before). Flushes first so the figures are computed from the change."""
    changes = StockChanges()
    for level, available_before in levels:
        key = (level.warehouse_id, level.sku_id, level.lot_code)
        changes.before.setdefault(key, available_before)
        changes.levels[key] = level
    uow.session.flush()
    assert uow.tenant_id is not None
    return publish(uow.session, uow.tenant_id, changes)


def publish(
    session: Session, tenant_id: int, changes: StockChanges, today: date | None = None
) -> list[OutboxEvent]:
    """today: the day whose expired lots count for nothing in the figures (default: now)."""
    if not changes:
        return []
    events = _low_stock(changes) + _channel_figures(session, tenant_id, changes, today)
    skus = {s for _w, s, _l in changes.levels}
    events += publish_bundle_figures(session, tenant_id, skus, today)
    Outbox(session, tenant_id).add_many(events)
    return events


def _low_stock(changes: StockChanges) -> list[OutboxEvent]:
    events = []
    for key, level in sorted(changes.levels.items()):
        before = changes.before[key]
        if level.reorder_point > 0 and before > level.reorder_point >= level.available:
            events.append(
                OutboxEvent(
                    STOCK_LOW,
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
    return events


def _channel_figures(
    session: Session, tenant_id: int, changes: StockChanges, today: date | None
) -> list[OutboxEvent]:
    warehouse_ids = sorted({w for w, _s, _l in changes.levels})
    sku_ids = sorted({s for _w, s, _l in changes.levels})
    cw, p = ta.channel_warehouses.c, ta.channel_allocation_policies.c
    channel_rows = session.execute(
        select(cw.channel_id, ta.channel_allocation_policies)
        .distinct()
        .outerjoin(ta.channel_allocation_policies, p.channel_id == cw.channel_id)
        .where(cw.tenant_id == tenant_id, cw.warehouse_id.in_(warehouse_ids))
    ).all()
    policies = {
        r.channel_id: policy_from_row(r if r.strategy is not None else None) for r in channel_rows
    }
    if not policies:
        return []
    pairs = [(c, s) for c in sorted(policies) for s in sku_ids]
    published = _lock_published(session, tenant_id, pairs)
    figures = published_figures.pooled(session, tenant_id, sorted(policies), sku_ids, today)
    events, bumps = [], []
    for channel_id, sku_id in pairs:
        row_id, version, old = published[(channel_id, sku_id)]
        new = channel_available([figures.get((channel_id, sku_id), 0)], policies[channel_id])
        if new == old and version > 0:
            continue
        bumps.append({"b_id": row_id, "b_version": version + 1, "b_available": new})
        events.append(changed_event(channel_id, sku_id, new, version + 1))
    if bumps:
        v = ta.channel_stock_versions.c
        session.execute(
            update(ta.channel_stock_versions)
            .where(v.id == bindparam("b_id"))
            .values(version=bindparam("b_version"), available=bindparam("b_available")),
            bumps,
            execution_options={"synchronize_session": False},
        )
    return events
