"""Small builders for integration tests: a workspace with warehouses, SKUs and stock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, purchasing

UowFactory = Callable[[], UnitOfWork]


@dataclass
class Workspace:
    uow: UowFactory

    def count_movements(self) -> int:
        with self.uow() as uow:
            return len(uow.movements.list())

    def level(self, warehouse: str, sku: str, lot: str = "") -> tuple[int, int]:
        with self.uow() as uow:
            wh = uow.warehouses.by_key(warehouse)
            item = uow.skus.by_key(sku)
            found = uow.stock.find(warehouse_id=wh.id, sku_id=item.id, lot_code=lot)
            return (found.on_hand, found.reserved) if found else (0, 0)


def workspace(uow: UowFactory, stock: dict[tuple[str, str], int] | None = None) -> Workspace:
    """Warehouses BER and NJ, SKUs TENT and STOVE (and lot-tracked GAS), supplier ALPS;
    `stock` {(warehouse, sku): qty} is received through a purchase order per warehouse."""
    catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", priority=10)
    catalog.create_warehouse(uow(), "NJ", "New Jersey", country="US", priority=20)
    catalog.create_sku(uow(), "TENT", "Tent", Money.of("80", "EUR"))
    catalog.create_sku(uow(), "STOVE", "Stove", Money.of("20", "EUR"))
    catalog.create_sku(uow(), "GAS", "Gas", Money.of("2", "EUR"), lot_tracked=True)
    catalog.create_supplier(uow(), "ALPS", "Alps", "EUR")
    by_warehouse: dict[str, dict[str, int]] = {}
    for (warehouse, sku), qty in (stock or {}).items():
        by_warehouse.setdefault(warehouse, {})[sku] = qty
    for warehouse, quantities in by_warehouse.items():
        number = f"PO-SEED-{warehouse}"
        purchasing.create_purchase_order(
            uow(),
            number,
            "ALPS",
            warehouse,
            [(sku, qty, Money.of("1", "EUR")) for sku, qty in quantities.items()],
        )
        purchasing.receive_purchase_order(uow(), number, quantities, actor="seed")
    return Workspace(uow)
