"""Stock: balances per SKU and warehouse, available-to-sell per channel, and the four
operations that move it (receipt against a purchase order, count, transfer, scrap)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hub.api.v1.audited import AuditedUnitOfWork, levels
from hub.api.v1.deps import CallerDep, HubDep, PageDep, RelayAfter, paged
from hub.bootstrap import Hub
from hub.db import stock_rows
from hub.db.paging import keyset_page, total_of
from hub.domain.money import Money, parse_decimal
from hub.services import inventory, purchasing, stock_policy
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1/stock", tags=["stock"])
Code = Annotated[str, Field(min_length=1, max_length=64)]
Quantity = Annotated[int, Field(gt=0, le=10_000_000)]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


@router.get("")
def stock(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    warehouse: str | None = None,
    sku: str | None = None,
    low: Annotated[bool, Query(description="only balances at or under safety stock")] = False,
) -> dict[str, Any]:
    query = stock_rows.balances(who.tenant_id, warehouse, sku, low)
    with hub.uow(who.tenant_id) as uow:
        found = keyset_page(
            uow.session,
            query,
            stock_rows.BALANCE_KEY,
            descending=False,
            limit=page.limit,
            offset=page.offset,
            cursor=page.cursor,
        )
        total = total_of(uow.session, query)
    items = [{**r, "low": bool(r["low"])} for r in found.items]
    return paged(items, page, total, found.next_cursor)


@router.get("/channels")
def channel_stock(
    hub: HubDep, who: CallerDep, page: PageDep, channel: str | None = None
) -> dict[str, Any]:
    """Available-to-sell per channel and SKU (after buffer, share and max-to-list)."""
    rows = [a.__dict__ for a in stock_policy.ats_report(hub.uow(who.tenant_id), channel)]
    return paged(rows[page.offset : page.offset + page.limit], page, len(rows))


def _levels(hub: Hub, who: Principal, sku: str, warehouse: str | None = None) -> list[Any]:
    with hub.uow(who.tenant_id) as uow:
        return levels(uow.session, who.tenant_id, sku, warehouse)


def _audited(
    hub: Hub, who: Principal, action: str, target: str, sku: str, warehouse: str | None = None
) -> AuditedUnitOfWork:
    """The state of the SKU before, and after as the service's own transaction sees it."""
    before = _levels(hub, who, sku, warehouse)
    return AuditedUnitOfWork(
        hub, who, action, target, before, lambda s: levels(s, who.tenant_id, sku, warehouse)
    )


def _movement(m: Any) -> dict[str, Any]:
    return {"kind": m.kind.value, "quantity": m.quantity, "lot": m.lot_code}


class Receipt(BaseModel):
    purchase_order: Code
    quantities: dict[str, Quantity] = Field(min_length=1, description="SKU code -> units")
    reason: str = Field("purchase receipt", max_length=500)
    landed: dict[Annotated[str, Field(min_length=1, max_length=40)], str] = Field(
        default_factory=dict,
        max_length=20,
        description="kind -> amount paid on top (freight, duty), in the PO's currency;"
        " apportioned over the lines by value into their cost",
    )


@router.post("/receipts", status_code=201, dependencies=[RelayAfter])
def receive(body: Receipt, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    skus = sorted(body.quantities)
    before = {sku: _levels(hub, who, sku) for sku in skus}
    uow = AuditedUnitOfWork(
        hub,
        who,
        "stock.receive",
        f"po:{body.purchase_order}",
        before,
        lambda s: {sku: levels(s, who.tenant_id, sku) for sku in skus},
    )
    landed = []
    if body.landed:
        currency = purchasing.purchase_order_currency(hub.uow(who.tenant_id), body.purchase_order)
        landed = [
            (kind, Money(parse_decimal(amount, f"landed.{kind}"), currency))
            for kind, amount in body.landed.items()
        ]
    receipt = purchasing.receive_purchase_order(
        uow,
        body.purchase_order,
        dict(body.quantities),
        actor=who.actor,
        reason=body.reason,
        landed=landed,
    )
    received = {"purchase_order": body.purchase_order, "quantities": dict(body.quantities)}
    return {"receipt_id": receipt.id, **received}


class Count(BaseModel):
    warehouse: Code
    sku: Code
    counted: Annotated[int, Field(ge=0, le=10_000_000)]
    reason: Reason
    lot: str | None = None


@router.post("/adjustments", status_code=201, dependencies=[RelayAfter])
def adjust(body: Count, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """A cycle count: the absolute number found; the ledger records the difference."""
    target = f"stock:{body.warehouse}/{body.sku}"
    uow = _audited(hub, who, "stock.adjust", target, body.sku, body.warehouse)
    movement = inventory.adjust_to_count(
        uow,
        body.warehouse,
        body.sku,
        body.counted,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _levels(hub, who, body.sku, body.warehouse)
    return {"movement": _movement(movement) if movement else None, "balances": after}


class Transfer(BaseModel):
    from_warehouse: Code
    to_warehouse: Code
    sku: Code
    quantity: Quantity
    reason: Reason
    lot: str | None = None


@router.post("/transfers", status_code=201, dependencies=[RelayAfter])
def transfer(body: Transfer, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    target = f"stock:{body.from_warehouse}->{body.to_warehouse}/{body.sku}"
    uow = _audited(hub, who, "stock.transfer", target, body.sku)
    out, into = inventory.transfer(
        uow,
        body.from_warehouse,
        body.to_warehouse,
        body.sku,
        body.quantity,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _levels(hub, who, body.sku)
    return {"movements": [_movement(out), _movement(into)], "balances": after}


class Scrap(BaseModel):
    warehouse: Code
    sku: Code
    quantity: Quantity
    reason: Reason
    lot: str | None = None


@router.post("/scrap", status_code=201, dependencies=[RelayAfter])
def scrap(body: Scrap, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    target = f"stock:{body.warehouse}/{body.sku}"
    uow = _audited(hub, who, "stock.scrap", target, body.sku, body.warehouse)
    movement = inventory.scrap(
        uow,
        body.warehouse,
        body.sku,
        body.quantity,
        actor=who.actor,
        reason=body.reason,
        lot=body.lot,
    )
    after = _levels(hub, who, body.sku, body.warehouse)
    return {"movement": _movement(movement), "balances": after}
