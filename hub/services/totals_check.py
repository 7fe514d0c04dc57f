"""The totals self-check as the hub runs it: when an order is stored, recompute the
platform's stated totals; a disagreement opens an error-queue entry (stage "totals")
naming the order and each differing figure, and holds the order from invoicing
(Order.invoice_hold, which the document builders respect) until an operator who has
looked at the order on the platform releases it (`hub order release-invoice`, or
POST /api/v1/orders/{id}/release-invoice), audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_sync import sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.domain.orders import Order
from hub.domain.totals import check_totals
from hub.services import audit
from hub.services.inbox import record_error

__all__ = [
    "STAGE",
    "HoldCounts",
    "apply_self_check",
    "count_holds",
    "error_record",
    "release_invoice_hold",
]

STAGE = "totals"
_FIX = " (compare with the order on the platform, then `hub order release-invoice`)"


def error_record(order: Order, channel_name: str) -> str:
    """How the error queue names the order: its id and number on its channel."""
    number = f" ({order.number})" if order.number and order.number != order.external_id else ""
    return f"{order.label}{number} on channel {channel_name}"[:300]


def apply_self_check(session: Session, tenant_id: int, channel: Channel, order: Order) -> bool:
    """Check a new order's totals (inside the caller's transaction); True when they agree
    or could not be checked. A skip for an unknown amount is not a mismatch."""
    result = check_totals(order)
    if result.ok:
        return True
    order.invoice_hold = result.reason
    figures = ",".join(d.figure for d in result.differences)
    reason = (result.reason or "") + _FIX
    record_error(
        session, tenant_id, channel.id, None, STAGE, error_record(order, channel.name), figures,
        reason,
    )  # fmt: skip
    return False


def release_invoice_hold(uow: UnitOfWork, order_id: int, *, actor: str, note: str = "") -> Order:
    """An operator has checked the order against the platform: lift its invoice hold,
    close its totals errors, and audit who did it and why (same transaction)."""
    with uow:
        assert uow.tenant_id is not None
        order = uow.orders.get(order_id)
        if not order.invoice_hold:
            raise InvalidValue(
                "invoice_hold", None, "the order is not held from invoicing", record=order.label
            )
        channel = uow.channels.get(order.channel_id)
        before = order.invoice_hold
        order.invoice_hold = None
        e = sync_errors.c
        uow.session.execute(
            update(sync_errors)
            .where(
                e.tenant_id == uow.tenant_id,
                e.channel_id == order.channel_id,
                e.stage == STAGE,
                e.record == error_record(order, channel.name),
                e.resolved_at.is_(None),
            )
            .values(resolved_at=utcnow())
        )
        audit.record(
            uow.session,
            uow.tenant_id,
            actor,
            "order.release_invoice",
            f"order:{order.id}",
            {"invoice_hold": before},
            {"invoice_hold": None, "note": note},
        )
        uow.commit()
        return order


@dataclass(frozen=True)
class HoldCounts:
    held_orders: int  # orders held from invoicing now
    open_errors: int  # totals errors not yet resolved
    all_errors: int  # every totals mismatch ever found


def count_holds(session: Session, tenant_id: int | None = None) -> dict[int, HoldCounts]:
    """Per tenant (or one tenant): orders held from invoicing and totals errors."""
    o, e = t.orders.c, sync_errors.c
    held_q = select(o.tenant_id, func.count(o.id)).where(o.invoice_hold.is_not(None))
    errors_q = select(
        e.tenant_id, func.count(e.id), func.count(e.id).filter(e.resolved_at.is_(None))
    ).where(e.stage == STAGE)
    if tenant_id is not None:
        held_q = held_q.where(o.tenant_id == tenant_id)
        errors_q = errors_q.where(e.tenant_id == tenant_id)
    held: dict[int, int] = {
        tid: count for tid, count in session.execute(held_q.group_by(o.tenant_id))
    }
    errors = {
        tid: (total, open_) for tid, total, open_ in session.execute(errors_q.group_by(e.tenant_id))
    }
    return {
        tid: HoldCounts(held.get(tid, 0), errors.get(tid, (0, 0))[1], errors.get(tid, (0, 0))[0])
        for tid in set(held) | set(errors)
    }
