"""Amazon SP-API Orders v0 order (+ ``OrderItems`` from getOrderItems) -> hub Order.

- ``ItemPrice`` (like ItemTax, ShippingPrice, PromotionDiscount) is for the whole quantity
  of the order item (the OrderItem model says so), so the line's subtotal is ItemPrice
  exactly (see ``common.unit_price``); ``PromotionDiscount`` is the line's discount.
- Each tax field is the tax on its own price field (ShippingDiscountTax is "the tax on the
  discount on the shipping price"), so the tax the buyer pays is ItemTax + ShippingTax
  less PromotionDiscountTax and ShippingDiscountTax. The docs do not say so in one
  sentence; it is the only reading under which a FREESHIP promotion that cancels the
  shipping also cancels the tax on it, as OrderTotal shows.
- Pending orders carry no prices, taxes or totals yet: they are stored with zero amounts
  as pending_review (never shipped) and completed when an update brings the prices.
- AFN orders are fulfilled by Amazon from its own warehouses: they are recorded as
  completed, so the allocator never reserves hub stock for them.
- Marketplaces whose prices include VAT / consumption tax (EU, UK, JP, ...) give
  ``ItemTax`` as the part of the price that is tax: tax lines are inclusive there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.money import Money, total
from hub.domain.orders import Order, OrderLine, OrderStatus, ShippingLine, TaxLine
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record, path
from mapping.platforms.common import money_at, unit_price
from mapping.statuses import Rule, resolve_status

__all__ = ["TAX_INCLUSIVE_MARKETPLACES", "map_order"]

TAX_INCLUSIVE_MARKETPLACES = frozenset({
    "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS", "A2NODRKZP88ZB9", "A1C3SOZRARQ6R3", "AMEN7PMS3EDWL", "A28R8C7NBKEWEA",
    "A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS",
})  # fmt: skip
AFN_REASON = "fulfilled by Amazon (AFN): never allocated from hub stock"


def _currency(record: Record, context: Context) -> str:
    found = path(record, "OrderTotal.CurrencyCode", None)
    for item in record.get("OrderItems") or []:
        found = found or path(item, "ItemPrice.CurrencyCode", None)
    found = found or context.currency
    if not found:
        raise KeyError("OrderTotal.CurrencyCode")
    return currency_code(found, context)


def _amount(item: Record, key: str, currency: str) -> Money:
    return money_at(item, f"{key}.Amount", currency)


def _line(item: Record, currency: str) -> OrderLine:
    quantity = int(item["QuantityOrdered"])
    line_price = _amount(item, "ItemPrice", currency)
    unit = unit_price(line_price, quantity)
    return OrderLine(
        channel_sku=str(item.get("SellerSKU") or f"#{item['ASIN']}"),
        quantity=quantity,
        unit_price=unit,
        title=str(item.get("Title") or ""),
        discount=_amount(item, "PromotionDiscount", currency),
        tax=_amount(item, "ItemTax", currency) - _amount(item, "PromotionDiscountTax", currency),
        external_id=str(item["OrderItemId"]),
        raw=dict(item),
    )


def _tax(item: Record, currency: str) -> Money:
    """The tax the buyer pays on this item: on its price and shipping, less the tax on its
    promotions (see the module's docstring)."""
    added = [_amount(item, k, currency) for k in ("ItemTax", "ShippingTax")]
    taken = [_amount(item, k, currency) for k in ("PromotionDiscountTax", "ShippingDiscountTax")]
    return total(added, currency) - total(taken, currency)


def _status(record: Record, context: Context) -> tuple[OrderStatus, str | None]:
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    decision = resolve_status(
        "amazon", {"OrderStatus": record.get("OrderStatus")}, channel=channel, overrides=overrides
    )
    if record.get("FulfillmentChannel") == "AFN" and decision.status is not OrderStatus.CANCELLED:
        return OrderStatus.COMPLETED, AFN_REASON
    return decision.status, decision.reason


def map_order(record: Record, context: Context) -> Order:
    currency = _currency(record, context)
    items: list[Any] = list(record.get("OrderItems") or [])
    status, reason = _status(record, context)
    order = Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=str(record["AmazonOrderId"]),
        currency=currency,
        placed_at=utc_datetime(record["PurchaseDate"], context),
        platform_updated_at=utc_datetime(record["LastUpdateDate"], context),
        status=status,
        status_reason=reason,
        customer_email=path(record, "BuyerInfo.BuyerEmail", None),
        ship_to=dict(record.get("ShippingAddress") or {}),
    )
    for item in items:
        order.add_line(_line(item, currency))
    shipping = total([_amount(i, "ShippingPrice", currency) for i in items], currency)
    shipping_off = total([_amount(i, "ShippingDiscount", currency) for i in items], currency)
    if shipping.amount:
        title = str(record.get("ShipServiceLevel") or "shipping")
        order.shipping_lines.append(ShippingLine(title=title, price=shipping - shipping_off))
    tax = total([_tax(i, currency) for i in items], currency)
    if tax.amount:
        inclusive = record.get("MarketplaceId") in TAX_INCLUSIVE_MARKETPLACES
        order.tax_lines.append(TaxLine("Amazon tax", Decimal(0), tax, inclusive=inclusive))
    return order
