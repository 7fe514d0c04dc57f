"""Imperative mapping: the domain's dataclasses are persisted without knowing it.

Money fields are composites of (amount, currency) columns; several Money fields of
one row share its single currency column, which the domain keeps consistent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import composite, registry, relationship

from hub.db import tables as t
from hub.db import tables_accounting as _accounting_tables  # noqa: F401  (registers tables)
from hub.db import tables_allocation as _allocation_tables  # noqa: F401  (registers tables)
from hub.db import tables_connections as _connection_tables  # noqa: F401  (registers tables)
from hub.db import tables_operator as _operator_tables  # noqa: F401  (registers tables)
from hub.db import tables_sync as _sync_tables  # noqa: F401  (registers tables)
from hub.db.orm_mapping import map_mapping
from hub.domain.catalog import Channel, Listing, Product, Sku, Tenant, Warehouse
from hub.domain.inventory import Lot, Movement, Reservation, StockLevel
from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    Order,
    OrderLine,
    Payment,
    Refund,
    ShippingLine,
    TaxLine,
)
from hub.domain.purchasing import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
)

mapper_registry = registry(metadata=t.metadata)
_mapped = False


def _money(table: Any, prefix: str, currency: str = "currency") -> Any:
    return composite(Money, table.c[t.money_column(prefix)], table.c[currency])


def _children(cls: type, key: str) -> Any:
    return relationship(
        cls,
        cascade="all, delete-orphan",
        order_by=cls.id,  # type: ignore[attr-defined]
        lazy="selectin",
    )


def start_mappers() -> None:
    """Map once per process; calling again is harmless."""
    global _mapped
    if _mapped:
        return
    m = mapper_registry.map_imperatively
    m(Tenant, t.tenants)
    m(Channel, t.channels)
    m(Warehouse, t.warehouses)
    m(Product, t.products)
    m(Sku, t.skus, properties={"unit_cost": _money(t.skus, "unit_cost", "unit_cost_currency")})
    m(Listing, t.listings)
    m(Lot, t.lots)
    m(StockLevel, t.stock_levels)
    m(Movement, t.stock_movements)
    m(Reservation, t.reservations)
    m(
        OrderLine,
        t.order_lines,
        properties={
            "unit_price": _money(t.order_lines, "unit_price"),
            "discount": _money(t.order_lines, "discount"),
            "tax": _money(t.order_lines, "tax"),
        },
    )
    m(ShippingLine, t.shipping_lines, properties={"price": _money(t.shipping_lines, "price")})
    m(TaxLine, t.tax_lines, properties={"amount": _money(t.tax_lines, "amount")})
    m(Discount, t.discounts, properties={"amount": _money(t.discounts, "amount")})
    m(Payment, t.payments, properties={"amount": _money(t.payments, "amount")})
    m(Refund, t.refunds, properties={"amount": _money(t.refunds, "amount")})
    m(
        Order,
        t.orders,
        properties={
            "lines": _children(OrderLine, "order_id"),
            "shipping_lines": _children(ShippingLine, "order_id"),
            "tax_lines": _children(TaxLine, "order_id"),
            "discounts": _children(Discount, "order_id"),
            "payments": _children(Payment, "order_id"),
            "refunds": _children(Refund, "order_id"),
        },
    )
    m(Supplier, t.suppliers)
    m(
        PurchaseOrderLine,
        t.purchase_order_lines,
        properties={"unit_cost": _money(t.purchase_order_lines, "unit_cost")},
    )
    m(
        PurchaseOrder,
        t.purchase_orders,
        properties={"lines": _children(PurchaseOrderLine, "purchase_order_id")},
    )
    m(ReceiptLine, t.receipt_lines, properties={"unit_cost": _money(t.receipt_lines, "unit_cost")})
    m(Receipt, t.receipts, properties={"lines": _children(ReceiptLine, "receipt_id")})
    map_mapping(mapper_registry)
    _mapped = True
