"""Purchase orders and receiving them into stock (partial receipts allowed)."""

from __future__ import annotations

from datetime import datetime

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
) -> Receipt:
    """quantities: {sku code: quantity received}. One receipt, one movement per line.
    received_at: when the goods arrived, for a receipt recorded later; default now."""
    with uow:
        po = uow.purchase_orders.by_key(number)
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
        before = []
        for line in receipt.lines:
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
                unit_cost=line.unit_cost,
                valued_at=receipt.received_at,  # the day its bill is dated
            )
        publish_levels(uow, before)
        uow.commit()
    after_receiving(uow, {line.sku_id for line in receipt.lines}, actor=actor)
    return receipt
