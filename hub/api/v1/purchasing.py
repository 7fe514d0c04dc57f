"""Purchase orders: list, show, approve, cancel, and drafts from the reorder report.
Receiving goods against one is `POST /api/v1/stock/receipts` (hub/api/v1/stock.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.v1.audited import AuditedUnitOfWork
from hub.api.v1.deps import CallerDep, HubDep, PageDep, paged
from hub.bootstrap import Hub
from hub.db import tables as t
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services import purchase_orders
from hub.services.purchase_orders import PurchaseOrderView
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1/purchase-orders", tags=["purchasing"])
Code = Annotated[str, Field(min_length=1, max_length=64)]


def _json(po: PurchaseOrderView) -> dict[str, Any]:
    return {
        "number": po.number,
        "status": po.status.value,
        "supplier": po.supplier,
        "warehouse": po.warehouse,
        "ordered_at": po.ordered_at.isoformat(),
        "currency": po.currency,
        "lines": [
            {
                "sku": ln.sku,
                "ordered": ln.ordered,
                "received": ln.received,
                "outstanding": ln.outstanding,
                "unit_cost": {
                    "amount": str(ln.unit_cost.amount),
                    "currency": ln.unit_cost.currency,
                },
            }
            for ln in po.lines
        ],
    }


def _status(tenant_id: int, number: str) -> Any:
    def read(session: Session) -> dict[str, Any]:
        p = t.purchase_orders.c
        found = session.execute(
            select(p.status).where(p.tenant_id == tenant_id, p.number == number)
        ).scalar_one_or_none()
        return {"status": None if found is None else str(found)}

    return read


def _drafts(session: Session, tenant_id: int) -> list[str]:
    p = t.purchase_orders.c
    rows = session.execute(
        select(p.number).where(p.tenant_id == tenant_id, p.status == PurchaseOrderStatus.DRAFT)
    ).scalars()
    return sorted(rows)


@router.get("")
def list_purchase_orders(
    hub: HubDep, who: CallerDep, page: PageDep, status: PurchaseOrderStatus | None = None
) -> dict[str, Any]:
    """Newest first."""
    rows = [_json(p) for p in purchase_orders.list_purchase_orders(hub.uow(who.tenant_id), status)]
    return paged(rows[page.offset : page.offset + page.limit], page, len(rows))


@router.get("/{number}")
def show(number: str, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    return _json(purchase_orders.show(hub.uow(who.tenant_id), number))


def _transition(hub: Hub, who: Principal, number: str, action: str) -> AuditedUnitOfWork:
    with hub.uow(who.tenant_id) as uow:
        before = _status(who.tenant_id, number)(uow.session)
    return AuditedUnitOfWork(
        hub, who, f"po.{action}", f"po:{number}", before, _status(who.tenant_id, number)
    )


@router.post("/{number}/approve")
def approve(number: str, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """A draft becomes an open order; 409 unless it is a draft."""
    uow = _transition(hub, who, number, "approve")
    return _json(purchase_orders.approve(uow, number))


@router.post("/{number}/cancel")
def cancel(number: str, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """A draft, or an open order nothing was received against; 409 otherwise."""
    uow = _transition(hub, who, number, "cancel")
    return _json(purchase_orders.cancel(uow, number))


class Drafts(BaseModel):
    supplier: Code | None = None
    skus: list[Code] | None = Field(None, max_length=1000)
    warehouse: Code | None = None
    window_days: int = Field(30, ge=1, le=3650)
    cover_days: int = Field(30, ge=0, le=3650)


@router.post("/drafts", status_code=201)
def drafts(body: Drafts, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """The reorder report's suggestions as draft purchase orders (one per supplier and
    warehouse); `items` is empty when nothing needs reordering."""
    uow = AuditedUnitOfWork(
        hub, who, "po.draft", "po:reorder", None, lambda s: {"drafts": _drafts(s, who.tenant_id)}
    )
    found = purchase_orders.draft_from_reorder(
        uow,
        supplier=body.supplier,
        skus=body.skus,
        warehouse=body.warehouse,
        window_days=body.window_days,
        cover_days=body.cover_days,
    )
    return {"items": [_json(p) for p in found]}
