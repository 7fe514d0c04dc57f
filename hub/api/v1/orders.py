"""Orders: list with filters, one order in full, its raw payloads; approve or reject a
held order; ship. Routes are thin: parse, call a service, audit the write, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.api.v1.audited import AuditedUnitOfWork, order_status
from hub.api.v1.deps import CallerDep, HubDep, Page, PageDep, RelayAfter, paged
from hub.api.v1.problems import Problem
from hub.bootstrap import Hub
from hub.domain.errors import InvalidValue
from hub.domain.orders import OrderStatus
from hub.services import allocation, fulfilment, order_views, totals_check
from hub.services.order_push import Tracking
from hub.services.order_views import OrderFilter
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["orders"])
HELD = (OrderStatus.ON_HOLD, OrderStatus.PENDING_REVIEW)


@router.get("/orders")
def list_orders(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    channel: str | None = None,
    status: OrderStatus | None = None,
    placed_from: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    placed_to: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
) -> dict[str, Any]:
    for name, moment in (("placed_from", placed_from), ("placed_to", placed_to)):
        if moment is not None and moment.tzinfo is None:
            raise Problem(422, f"{name} needs a timezone (e.g. 2026-11-01T00:00:00Z)")
    where = OrderFilter(channel, status, placed_from, placed_to)
    return _orders(hub, who, page, where)


def _orders(hub: Hub, who: Principal, page: Page, where: OrderFilter) -> dict[str, Any]:
    with hub.uow(who.tenant_id) as uow:
        found = order_views.page_orders(
            uow.session, who.tenant_id, where, page.limit, page.offset, page.cursor
        )
        total = order_views.count_orders(uow.session, who.tenant_id, where)
    return paged(found.items, page, total, found.next_cursor)


@router.get("/held-orders")
def held_orders(hub: HubDep, who: CallerDep, page: PageDep) -> dict[str, Any]:
    """Orders waiting for a person: on hold or pending review."""
    return _orders(hub, who, page, OrderFilter(statuses=HELD))


@router.get("/orders/{order_id}")
def get_order(order_id: int, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    with hub.uow(who.tenant_id) as uow:
        return order_views.order_detail(uow.session, who.tenant_id, order_id)


@router.get("/orders/{order_id}/raw")
def raw_payloads(order_id: int, hub: HubDep, who: CallerDep, page: PageDep) -> dict[str, Any]:
    with hub.uow(who.tenant_id) as uow:
        found = order_views.raw_payloads(uow.session, who.tenant_id, order_id)
    return paged(found[page.offset : page.offset + page.limit], page, len(found))


class Decision(BaseModel):
    reason: str = Field("", max_length=1000)
    # approve only: release just these review rules (default: every rule holding it)
    rules: list[str] | None = Field(None, max_length=10)


def _status(hub: Hub, who: Principal, order_id: int) -> str:
    with hub.uow(who.tenant_id) as uow:
        rows = order_views.list_orders_by_id(uow.session, who.tenant_id, order_id)
    if not rows:
        raise Problem(404, f"order {order_id} not found")
    return str(rows[0]["status"])


def _audited(
    hub: Hub, who: Principal, action: str, order_id: int, before: str, **noted: str
) -> AuditedUnitOfWork:
    """The order's status before, and after as the service's own transaction sees it."""

    def after(session: Session) -> dict[str, Any]:
        return {"status": order_status(session, who.tenant_id, order_id), **noted}

    target = f"order:{order_id}"
    return AuditedUnitOfWork(hub, who, action, target, {"status": before}, after)


@router.post("/orders/{order_id}/approve", dependencies=[RelayAfter])
def approve(order_id: int, hub: HubDep, who: CallerDep, body: Decision) -> dict[str, Any]:
    """Release a held (or pending-review) order and allocate it."""
    before = _status(hub, who, order_id)
    if before not in HELD:
        raise Problem(409, f"order {order_id} is {before}, not held")
    uow = _audited(hub, who, "order.approve", order_id, before, reason=body.reason)
    result = allocation.approve(uow, order_id, actor=who.actor, rules=body.rules)
    after = _status(hub, who, order_id)
    return {"order_id": order_id, "status": after, "result": result.status.value}


@router.post("/orders/{order_id}/reject", dependencies=[RelayAfter])
def reject(order_id: int, hub: HubDep, who: CallerDep, body: Decision) -> dict[str, Any]:
    """Cancel a held order: its reservations, if any, go back to stock; the channel is
    told the order is cancelled."""
    before = _status(hub, who, order_id)
    if before not in HELD:
        raise Problem(409, f"order {order_id} is {before}, not held")
    uow = _audited(hub, who, "order.reject", order_id, before, reason=body.reason)
    status = fulfilment.cancel(uow, order_id, actor=who.actor, tell_channel=True)
    return {"order_id": order_id, "status": status.value}


class Shipment(BaseModel):
    lines: dict[int, Annotated[int, Field(gt=0)]] | None = Field(
        None, description="order line id -> units shipped now; omitted: all reserved units"
    )
    carrier: str = Field("", max_length=100)
    tracking_number: str = Field("", max_length=200)
    tracking_url: str | None = Field(None, max_length=2000)


@router.post("/orders/{order_id}/shipments", status_code=201, dependencies=[RelayAfter])
def ship(order_id: int, hub: HubDep, who: CallerDep, body: Shipment) -> dict[str, Any]:
    """Ship reserved units; the channel is told which of its lines shipped, with tracking."""
    before = _status(hub, who, order_id)
    noted = {"carrier": body.carrier, "tracking": body.tracking_number}
    uow = _audited(hub, who, "order.ship", order_id, before, **noted)
    tracking = Tracking(body.carrier, body.tracking_number, body.tracking_url)
    status = fulfilment.ship(
        uow, order_id, actor=who.actor, quantities=body.lines, tracking=tracking
    )
    return {"order_id": order_id, "status": status.value, **noted}


class Release(BaseModel):
    note: str = Field("", max_length=1000)


@router.post("/orders/{order_id}/release-invoice")
def release_invoice(order_id: int, hub: HubDep, who: CallerDep, body: Release) -> dict[str, Any]:
    """Lift the totals self-check's hold: an operator compared the order with the
    platform. Audited (action order.release_invoice) with the hold's text before."""
    _status(hub, who, order_id)  # 404 for another tenant's or a missing order
    try:
        totals_check.release_invoice_hold(
            hub.uow(who.tenant_id), order_id, actor=who.actor, note=body.note
        )
    except InvalidValue as exc:
        raise Problem(409, str(exc)) from None
    return {"order_id": order_id, "invoice_hold": None}
