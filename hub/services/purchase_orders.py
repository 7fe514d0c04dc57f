"""Purchase orders as an operator manages them: list, show, approve, cancel, and a draft
made from the reorder report in one step (receiving lives in hub.services.purchasing).

A draft from the reorder report has one purchase order per supplier and warehouse. The
supplier of a SKU is the one of its latest purchase order, else the one named; the unit
cost is that supplier's latest price for it, else the SKU's own cost when it is in the
supplier's currency. A SKU with neither is refused by name: a cost nobody stated is
unknown, never 0. Drafts count as on order (hub.services.stock_policy.ON_ORDER), so the
same suggestion is not drafted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.purchasing import PurchaseOrder, PurchaseOrderStatus
from hub.services.stock_policy import reorder_report

__all__ = [
    "PurchaseOrderView",
    "approve",
    "cancel",
    "draft_from_reorder",
    "list_purchase_orders",
    "show",
]


@dataclass(frozen=True)
class LineView:
    sku: str
    ordered: int
    received: int
    outstanding: int
    unit_cost: Money


@dataclass(frozen=True)
class PurchaseOrderView:
    number: str
    supplier: str
    warehouse: str
    status: PurchaseOrderStatus
    ordered_at: datetime
    currency: str
    lines: list[LineView] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.ordered for line in self.lines)


def _view(uow: UnitOfWork, po: PurchaseOrder) -> PurchaseOrderView:
    skus = {s.id: s.code for s in uow.skus.list()}
    return PurchaseOrderView(
        po.number,
        uow.suppliers.get(po.supplier_id).code,
        uow.warehouses.get(po.warehouse_id).code,
        po.status,
        po.ordered_at,
        po.currency,
        [
            LineView(
                skus[line.sku_id],
                line.quantity_ordered,
                line.quantity_received,
                line.outstanding,
                line.unit_cost,
            )
            for line in po.lines
        ],
    )


def list_purchase_orders(
    uow: UnitOfWork, status: PurchaseOrderStatus | None = None
) -> list[PurchaseOrderView]:
    """Newest first."""
    with uow:
        found = [po for po in uow.purchase_orders.list() if status is None or po.status is status]
        found.sort(key=lambda po: (po.ordered_at, po.number), reverse=True)
        return [_view(uow, po) for po in found]


def show(uow: UnitOfWork, number: str) -> PurchaseOrderView:
    with uow:
        return _view(uow, uow.purchase_orders.by_key(number))


def approve(uow: UnitOfWork, number: str) -> PurchaseOrderView:
    """A draft becomes an open order (goods can be received against it)."""
    with uow:
        po = uow.purchase_orders.by_key(number)
        po.approve()
        uow.commit()
        return _view(uow, po)


def cancel(uow: UnitOfWork, number: str) -> PurchaseOrderView:
    """A draft or an open order with nothing received yet."""
    with uow:
        po = uow.purchase_orders.by_key(number)
        po.cancel()
        uow.commit()
        return _view(uow, po)


def draft_from_reorder(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    skus: list[str] | None = None,
    warehouse: str | None = None,
    window_days: int = 30,
    cover_days: int = 30,
) -> list[PurchaseOrderView]:
    """Every current reorder suggestion (of `skus` / `warehouse`, if named) becomes a line
    of a draft purchase order; nothing is written unless every line can be priced."""
    if supplier:
        with uow:
            uow.suppliers.by_key(supplier)  # a wrong code is refused even with nothing to buy
    suggestions = [
        (wh, sku, s)
        for wh, sku, s in reorder_report(uow, window_days=window_days, cover_days=cover_days)
        if s.suggested > 0
        and (skus is None or sku in skus)
        and (warehouse is None or wh == warehouse)
    ]
    if not suggestions:
        return []
    with uow:
        assert uow.tenant_id is not None
        default = uow.suppliers.by_key(supplier) if supplier else None
        latest = _latest_prices(uow)
        drafts: dict[tuple[int, int], PurchaseOrder] = {}
        today = utcnow().strftime("%Y%m%d")
        taken = {po.number for po in uow.purchase_orders.list()}
        for _wh, sku_code, s in suggestions:
            sku = uow.skus.get(s.sku_id)
            record = f"reorder suggestion {sku_code} at {_wh}"
            if s.sku_id in latest and (default is None or latest[s.sku_id][0] == default.id):
                supplier_id, cost = latest[s.sku_id]
            elif default is not None:
                assert default.id is not None
                supplier_id, cost = default.id, sku.unit_cost  # never bought from them
            else:
                raise InvalidValue(
                    "supplier",
                    None,
                    "no purchase order names a supplier for this SKU: pass --supplier",
                    record=record,
                )
            currency = uow.suppliers.get(supplier_id).currency
            if cost.currency != currency:
                raise InvalidValue(
                    "unit_cost",
                    str(cost),
                    f"no price in the supplier's currency {currency} is known",
                    record=record,
                )
            key = (supplier_id, s.warehouse_id)
            if key not in drafts:
                n = 1
                while f"RO-{today}-{n}" in taken:
                    n += 1
                taken.add(f"RO-{today}-{n}")
                drafts[key] = PurchaseOrder(
                    uow.tenant_id,
                    supplier_id,
                    f"RO-{today}-{n}",
                    s.warehouse_id,
                    currency,
                    status=PurchaseOrderStatus.DRAFT,
                )
            drafts[key].add_line(s.sku_id, s.suggested, cost)
        for po in drafts.values():
            uow.purchase_orders.add(po)
        uow.commit()
        return [_view(uow, po) for po in drafts.values()]


def _latest_prices(uow: UnitOfWork) -> dict[int, tuple[int, Money]]:
    """sku id -> (supplier id, unit cost) of its latest purchase order line."""
    latest: dict[int, tuple[int, Money]] = {}
    for po in sorted(uow.purchase_orders.list(), key=lambda p: (p.ordered_at, p.id or 0)):
        if po.status is PurchaseOrderStatus.CANCELLED:
            continue
        for line in po.lines:
            latest[line.sku_id] = (po.supplier_id, line.unit_cost)
    return latest
