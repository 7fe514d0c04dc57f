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
from hub.db import tables_books_reports as _books_report_tables  # noqa: F401  (registers)
from hub.db import tables_connections as _connection_tables  # noqa: F401  (registers tables)
from hub.db import tables_costing as _costing_tables  # noqa: F401  (registers tables)
from hub.db import tables_lifecycle as _lifecycle_tables  # noqa: F401  (registers tables)
from hub.db import tables_notifications as _notification_tables  # noqa: F401  (registers)
from hub.db import tables_operator as _operator_tables  # noqa: F401  (registers tables)
from hub.db import tables_order_rules as _order_rule_tables  # noqa: F401  (registers tables)
from hub.db import tables_replenishment as _replenishment_tables  # noqa: F401  (registers tables)
from hub.db import tables_settlements as _settlement_tables  # noqa: F401  (registers tables)
from hub.db import tables_sync as _sync_tables  # noqa: F401  (registers tables)
from hub.db.orm_mapping import map_mapping
from hub.domain.catalog import Channel, Listing, Product, Sku, Tenant, Warehouse
from hub.domain.inventory import Lot, Movement, Reservation, StockLevel
from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    FeeLine,
    MarketplaceFee,
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


def _unknown_is_none(amount: Any, currency: Any) -> bool:
    return amount is None


def _optional_money(table: Any, prefix: str, currency: str | None = None) -> Any:
    """A Money that may be unknown: loads as None when its amount column is NULL."""
    return composite(
        Money,
        table.c[t.money_column(prefix)],
        table.c[currency or t.optional_money_currency(prefix)],
        return_none_on=_unknown_is_none,
    )


def _moneys(table: Any, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    """Composites for a row's Money fields: required ones share the row's `currency`,
    optional ones (None allowed) have their own currency column each."""
    found = {name: _money(table, name) for name in required}
    return found | {name: _optional_money(table, name) for name in optional}


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
    line_money = (
        "discount", "tax", "unit_price_presentment", "discount_presentment", "tax_presentment",
        "marketplace_tax", "shipping", "shipping_tax", "shipping_discount",
    )  # fmt: skip
    m(
        OrderLine,
        t.order_lines,
        properties={"unit_price": _optional_money(t.order_lines, "unit_price", "currency")}
        | _moneys(t.order_lines, (), line_money),
    )
    shipping_money = (
        "price_presentment", "discount", "discount_presentment", "tax", "tax_presentment",
    )  # fmt: skip
    m(
        ShippingLine,
        t.shipping_lines,
        properties=_moneys(t.shipping_lines, ("price",), shipping_money),
    )
    m(TaxLine, t.tax_lines, properties=_moneys(t.tax_lines, ("amount",), ("amount_presentment",)))
    m(Discount, t.discounts, properties=_moneys(t.discounts, ("amount",), ("amount_presentment",)))
    m(
        FeeLine,
        t.fee_lines,
        properties=_moneys(
            t.fee_lines, ("amount",), ("tax", "amount_presentment", "tax_presentment")
        ),
    )
    m(MarketplaceFee, t.marketplace_fees, properties=_moneys(t.marketplace_fees, ("amount",), ()))
    m(Payment, t.payments, properties={"amount": _money(t.payments, "amount")})
    refund_money = ("shipping", "shipping_tax", "tax", "unallocated", "amount_presentment")
    m(Refund, t.refunds, properties=_moneys(t.refunds, ("amount",), refund_money))
    m(
        Order,
        t.orders,
        properties={
            "lines": _children(OrderLine, "order_id"),
            "shipping_lines": _children(ShippingLine, "order_id"),
            "tax_lines": _children(TaxLine, "order_id"),
            "discounts": _children(Discount, "order_id"),
            "fee_lines": _children(FeeLine, "order_id"),
            "marketplace_fees": _children(MarketplaceFee, "order_id"),
            "payments": _children(Payment, "order_id"),
            "refunds": _children(Refund, "order_id"),
        }
        | _moneys(t.orders, (), ("marketplace_tax",)),
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
