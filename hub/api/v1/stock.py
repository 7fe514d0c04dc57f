"""Stock: balances per SKU and warehouse, available-to-sell per channel, and the four
operations that move it (receipt against a purchase order, count, transfer, scrap)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hub.api.v1.deps import CallerDep, HubDep, PageDep, paged
from hub.bootstrap import Hub
from hub.services import audit, inventory, purchasing, stock_policy
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1/stock", tags=["stock"])
Code = Annotated[str, Field(min_length=1, max_length=64)]
Quantity = Annotated[int, Field(gt=0, le=10_000_000)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


def _balances(hub: Hub, who: Principal, warehouse: str | None, sku: str | None) -> list[Any]:
    lines = inventory.stock_report(hub.uow(who.tenant_id))
    return [
        {**ln.__dict__, "low": ln.available <= ln.safety_stock}
        for ln in lines
        if (warehouse is None or ln.warehouse == warehouse) and (sku is None or ln.sku == sku)
    ]


@router.get("")
def stock(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    warehouse: str | None = None,
    sku: str | None = None,
    low: Annotated[bool, Query(description="only balances at or under safety stock")] = False,
) -> dict[str, Any]:
    rows = [r for r in _balances(hub, who, warehouse, sku) if r["low"] or not low]
    return paged(rows[page.offset : page.offset + page.limit], page, len(rows))


@router.get("/channels")
def channel_stock(
    hub: HubDep, who: CallerDep, page: PageDep, channel: str | None = None
) -> dict[str, Any]:
    """Available-to-sell per channel and SKU (after buffer, share and max-to-list)."""
    rows = [a.__dict__ for a in stock_policy.ats_report(hub.uow(who.tenant_id), channel)]
    return paged(rows[page.offset : page.offset + page.limit], page, len(rows))


def _write(hub: Hub, who: Principal, action: str, target: str, before: Any, after: Any) -> None:
    with hub.uow(who.tenant_id) as uow:
        audit.record(uow.session, who.tenant_id, who.actor, action, target, before, after)
        uow.commit()


def _movement(m: Any) -> dict[str, Any]:
    return {"kind": m.kind.value, "quantity": m.quantity, "lot": m.lot_code}


class Receipt(BaseModel):
    purchase_order: Code
    quantities: dict[str, Quantity] = Field(min_length=1, description="SKU code -> units")
    reason: str = Field("purchase receipt", max_length=500)


@router.post("/receipts", status_code=201)
def receive(body: Receipt, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    receipt = purchasing.receive_purchase_order(
        hub.uow(who.tenant_id),
        body.purchase_order,
        dict(body.quantities),
        actor=who.actor,
        reason=body.reason,
    )
    after = {"purchase_order": body.purchase_order, "quantities": dict(body.quantities)}
    _write(hub, who, "stock.receive", f"po:{body.purchase_order}", None, after)
    return {"receipt_id": receipt.id, **after}


class Count(BaseModel):
    warehouse: Code
    sku: Code
    counted: Annotated[int, Field(ge=0, le=10_000_000)]
    reason: Reason
    lot: str | None = None


@router.post("/adjustments", status_code=201)
def adjust(body: Count, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """A cycle count: the absolute number found; the ledger records the difference."""
    before = _balances(hub, who, body.warehouse, body.sku)
    movement = inventory.adjust_to_count(
        hub.uow(who.tenant_id),
        body.warehouse,
        body.sku,
        body.counted,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _balances(hub, who, body.warehouse, body.sku)
    _write(hub, who, "stock.adjust", f"stock:{body.warehouse}/{body.sku}", before, after)
    return {"movement": _movement(movement) if movement else None, "balances": after}


class Transfer(BaseModel):
    from_warehouse: Code
    to_warehouse: Code
    sku: Code
    quantity: Quantity
    reason: Reason
    lot: str | None = None


@router.post("/transfers", status_code=201)
def transfer(body: Transfer, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    before = _balances(hub, who, None, body.sku)
    out, into = inventory.transfer(
        hub.uow(who.tenant_id),
        body.from_warehouse,
        body.to_warehouse,
        body.sku,
        body.quantity,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _balances(hub, who, None, body.sku)
    target = f"stock:{body.from_warehouse}->{body.to_warehouse}/{body.sku}"
    _write(hub, who, "stock.transfer", target, before, after)
    return {"movements": [_movement(out), _movement(into)], "balances": after}


class Scrap(BaseModel):
    warehouse: Code
    sku: Code
    quantity: Quantity
    reason: Reason
    lot: str | None = None


@router.post("/scrap", status_code=201)
def scrap(body: Scrap, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    before = _balances(hub, who, body.warehouse, body.sku)
    movement = inventory.scrap(
        hub.uow(who.tenant_id),
        body.warehouse,
        body.sku,
        body.quantity,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _balances(hub, who, body.warehouse, body.sku)
    _write(hub, who, "stock.scrap", f"stock:{body.warehouse}/{body.sku}", before, after)
    return {"movement": _movement(movement), "balances": after}
