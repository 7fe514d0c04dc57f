"""A unit of work that writes the audit entry inside the transaction it audits.

The API hands one to a service instead of a plain unit of work; on the service's commit
the entry (with the state after, read through the same session) goes in first, so the
change and its entry are committed together or not at all. Only the first commit is
audited: a service that commits twice is one action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bootstrap import Hub
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.availability import warehouse_available
from hub.services import audit
from hub.services.tokens import Principal

__all__ = ["AuditedUnitOfWork", "audited", "levels", "order_status"]

After = Callable[[Session], Any]


class AuditedUnitOfWork(UnitOfWork):
    def __init__(
        self, hub: Hub, who: Principal, action: str, target: str, before: Any, after: After
    ) -> None:
        super().__init__(hub.session_factory, who.tenant_id)
        self._who = who
        self._entry = (action, target, before)
        self._after = after
        self.recorded = False

    def commit(self) -> None:
        if not self.recorded:
            self.session.flush()
            action, target, before = self._entry
            after = self._after(self.session)
            audit.record(
                self.session, self._who.tenant_id, self._who.actor, action, target, before, after
            )
        super().commit()
        self.recorded = True


def audited(
    hub: Hub, who: Principal, action: str, target: str, before: Any, after: After
) -> AuditedUnitOfWork:
    return AuditedUnitOfWork(hub, who, action, target, before, after)


def levels(
    session: Session, tenant_id: int, sku: str, warehouse: str | None = None
) -> list[dict[str, Any]]:
    """The balances of one SKU (in one warehouse), as the audit entry keeps them."""
    sl, w, s = t.stock_levels.c, t.warehouses.c, t.skus.c
    query = (
        select(w.code, sl.lot_code, sl.on_hand, sl.reserved, sl.safety_stock)
        .join(t.warehouses, w.id == sl.warehouse_id)
        .join(t.skus, s.id == sl.sku_id)
        .where(sl.tenant_id == tenant_id, s.code == sku)
        .order_by(w.code, sl.lot_code)
    )
    if warehouse is not None:
        query = query.where(w.code == warehouse)
    return [
        {
            "warehouse": code,
            "sku": sku,
            "lot": lot,
            "on_hand": on_hand,
            "reserved": reserved,
            "available": warehouse_available(on_hand, reserved, safety),
        }
        for code, lot, on_hand, reserved, safety in session.execute(query)
    ]


def order_status(session: Session, tenant_id: int, order_id: int) -> str | None:
    o = t.orders.c
    status = session.execute(
        select(o.status).where(o.id == order_id, o.tenant_id == tenant_id)
    ).scalar()
    return None if status is None else str(status.value)
