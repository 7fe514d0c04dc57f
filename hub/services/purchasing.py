"""Purchase orders and receiving them into stock (partial receipts allowed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from hub.db.costing_rows import add_landed_costs
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import AlreadyExists, CurrencyMismatch, InvalidValue
from hub.domain.inventory import MovementKind
from hub.domain.money import Money
from hub.domain.purchasing import PurchaseOrder, Receipt
from hub.services.inventory import resolve_lot
from hub.services.replenishment import after_receiving
from hub.services.stock_events import publish_levels


def create_purchase_order(
    uow: UnitOfWork,
    number: str,
    supplier_code: str,
    warehouse_code: str,
    lines: list[tuple[str, int, Money]],
) -> PurchaseOrder:
    """lines: (sku code, quantity, unit cost in the supplier's currency)."""
    if not lines:
        raise InvalidValue(
            "lines",
            lines,
            "a purchase order needs at least one line",
            record=f"purchase order {number}",
        )
    with uow:
        if uow.purchase_orders.find(number=number) is not None:
            raise AlreadyExists("purchase order", number)
        supplier = uow.suppliers.by_key(supplier_code)
        warehouse = uow.warehouses.by_key(warehouse_code)
        assert uow.tenant_id is not None and supplier.id is not None and warehouse.id is not None
        po = PurchaseOrder(uow.tenant_id, supplier.id, number, warehouse.id, supplier.currency)
        for sku_code, quantity, unit_cost in lines:
            if unit_cost.currency != supplier.currency:
                raise CurrencyMismatch(
                    supplier.currency,
                    unit_cost.currency,
                    field=f"purchase order {number} {sku_code}.unit_cost",
                )
            sku = uow.skus.by_key(sku_code)
            assert sku.id is not None
            po.add_line(sku.id, quantity, unit_cost)
        uow.purchase_orders.add(po)
        uow.commit()
        return po


def receive_purchase_order(
    uow: UnitOfWork,
    number: str,
    quantities: dict[str, int],
    *,
    actor: str,
    reason: str = "purchase receipt",
    lots: dict[str, str] | None = None,
    received_at: datetime | None = None,
    landed: Sequence[tuple[str, Money]] = (),
) -> Receipt:
    """quantities: {sku code: quantity received}. One receipt, one movement per line.
    received_at: when the goods arrived, for a receipt recorded later; default now.
    landed: (kind, amount) paid on top of the goods (freight, duty), in the PO's
    currency: apportioned over the receipt's lines by their value into their cost."""
    with uow:
        po = uow.purchase_orders.by_key(number)
        _check_landed(po.number, po.currency, landed)
        by_id: dict[int, int] = {}
        lot_by_id: dict[int, str] = {}
        for sku_code, quantity in quantities.items():
            sku = uow.skus.by_key(sku_code)
            assert sku.id is not None
            by_id[sku.id] = quantity
            lot_by_id[sku.id] = resolve_lot(uow, sku, (lots or {}).get(sku_code), create=True)
        receipt = po.receive(by_id, actor=actor, lots=lot_by_id, received_at=received_at)
        uow.receipts.add(receipt)
        reference = f"po:{po.number}/receipt:{receipt.id}"
        assert receipt.id is not None and uow.tenant_id is not None
        add_landed_costs(uow.session, uow.tenant_id, receipt.id, landed)
        shares = _apportion(receipt, landed)
        before = []
        for line, share in zip(receipt.lines, shares, strict=True):
            level = uow.stock.for_update(po.warehouse_id, line.sku_id, line.lot_code)
            before.append((level, level.available))
            uow.movements.add(
                level.move(
                    MovementKind.RECEIPT,
                    line.quantity,
                    actor=actor,
                    reason=reason,
                    reference=reference,
                ),
                cost=line.unit_cost.times(line.quantity) + share,
                valued_at=receipt.received_at,  # the day its bill is dated
            )
        publish_levels(uow, before)
        uow.commit()
    after_receiving(uow, {line.sku_id for line in receipt.lines}, actor=actor)
    return receipt


def purchase_order_currency(uow: UnitOfWork, number: str) -> str:
    with uow:
        return uow.purchase_orders.by_key(number).currency


def _check_landed(number: str, currency: str, landed: Sequence[tuple[str, Money]]) -> None:
    for kind, amount in landed:
        record = f"purchase order {number} landed cost {kind}"
        if amount.currency != currency:
            raise CurrencyMismatch(currency, amount.currency, field=f"{record}.amount")
        if amount.amount < 0 or not amount.is_rounded():
            raise InvalidValue("amount", str(amount), "must be a positive amount", record)


def _apportion(receipt: Receipt, landed: Sequence[tuple[str, Money]]) -> list[Money]:
    """The landed total split over the receipt's lines by their value (by units when
    every line is free), exactly: the shares add up to the total."""
    currency = receipt.lines[0].unit_cost.currency
    amount = sum((a.amount for _, a in landed), Decimal(0))
    values = [ln.unit_cost.times(ln.quantity).amount for ln in receipt.lines]
    weights = values if any(values) else [Decimal(ln.quantity) for ln in receipt.lines]
    return Money(amount, currency).allocate(weights)
