"""Amazon SP-API Orders v0 order (+ ``OrderItems`` from getOrderItems) -> hub Order.

What Amazon states and how it is read (Orders v0 model, ../shared/specs/amazon/ordersV0.json):
- ``ItemPrice`` (like ItemTax, ShippingPrice, PromotionDiscount) is for the whole quantity
  of the order item, so the line's subtotal is ItemPrice exactly (see
  ``common.unit_price``); ``PromotionDiscount`` is the line's discount, ``ShippingDiscount``
  the shipping's.
- Each tax field is the tax on its own price field (ShippingDiscountTax is "the tax on the
  discount on the shipping price"), so the tax the buyer pays is ItemTax + ShippingTax
  less PromotionDiscountTax and ShippingDiscountTax. The docs do not say so in one
  sentence; it is the only reading under which a FREESHIP promotion that cancels the
  shipping also cancels the tax on it, as OrderTotal shows.
- An item whose ``TaxCollection.Model`` is ``MarketplaceFacilitator`` has its tax collected
  and remitted by Amazon (ResponsibleParty "Amazon Services, Inc."): the buyer pays it, the
  seller never owes it, so it is ``marketplace_tax`` (remitted by "amazon"), not a tax line.
- Pending orders carry no prices, taxes or totals yet: every amount is unknown (None,
  ``amounts_known`` False), never 0; the order waits in pending_review and its update
  brings the money.
- AFN orders are fulfilled by Amazon from its own warehouses (``fulfilled_by`` marketplace):
  recorded as completed, so the allocator never reserves hub stock for them.
- ``QuantityShipped`` is kept per line (``quantity_shipped``): those units have left.
- Marketplaces whose prices include VAT / consumption tax (EU, UK, JP, ...) give
  ``ItemTax`` as the part of the price that is tax: tax lines are inclusive there.
- Money status: Amazon's OrderStatus is the only statement. Pending/PendingAvailability:
  "payment has not been authorized" (pending); Unshipped/PartiallyShipped: "payment has
  been authorized" (authorized); Shipped/InvoiceUnconfirmed: Amazon charges the buyer when
  the items ship (paid); Canceled: voided. Unfulfillable (multi-channel orders) says
  nothing about money: None.
- A line without ``SellerSKU`` keeps its SKU missing; its ASIN is the listing id.
- Gift wrap (``BuyerInfo.GiftWrapPrice`` / ``GiftWrapTax`` of an item) is a fee the buyer
  pays beside the goods: a fee line per item, its tax with the item's other tax.
  ``CODFee`` is left out: the docs do not say whether OrderTotal contains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, total
from hub.domain.orders import (
    FeeLine,
    FinancialStatus,
    FulfilledBy,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    ShippingLine,
    StatedTotals,
    TaxLine,
)
from mapping import addresses
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record, path
from mapping.platforms.common import (
    money_object,
    objects,
    record_errors,
    unit_price,
    whole,
)
from mapping.statuses import Rule, resolve_status

__all__ = ["TAX_INCLUSIVE_MARKETPLACES", "map_order"]

TAX_INCLUSIVE_MARKETPLACES = frozenset({
    "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS", "A2NODRKZP88ZB9", "A1C3SOZRARQ6R3", "AMEN7PMS3EDWL", "A28R8C7NBKEWEA",
    "A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS",
})  # fmt: skip
AFN_REASON = "fulfilled by Amazon (AFN): never allocated from hub stock"
REMITTER = "amazon"

FINANCIAL = {
    "Pending": FinancialStatus.PENDING,
    "PendingAvailability": FinancialStatus.PENDING,
    "Unshipped": FinancialStatus.AUTHORIZED,
    "PartiallyShipped": FinancialStatus.AUTHORIZED,
    "Shipped": FinancialStatus.PAID,
    "InvoiceUnconfirmed": FinancialStatus.PAID,
    "Canceled": FinancialStatus.VOIDED,
}


def _currency(record: Record, context: Context) -> str:
    found = path(record, "OrderTotal.CurrencyCode", None)
    for item in record.get("OrderItems") or []:
        found = found or path(item, "ItemPrice.CurrencyCode", None)
    found = found or context.currency
    if not found:
        raise KeyError("OrderTotal.CurrencyCode")
    return currency_code(found, context)


def _amount(item: Record, key: str, currency: str) -> Money:
    found = money_object(item, key, currency, "Amount", "CurrencyCode")
    return Money.zero(currency) if found is None else found


def _remitted(item: Record) -> bool:
    collection = item.get("TaxCollection")
    if collection is not None and not isinstance(collection, dict):
        raise InvalidValue("TaxCollection", type(collection).__name__, "must be an object")
    return bool((collection or {}).get("Model") == "MarketplaceFacilitator")


def _item_tax(item: Record, currency: str) -> Money:
    """Tax on the goods, less the tax on their promotion."""
    return _amount(item, "ItemTax", currency) - _amount(item, "PromotionDiscountTax", currency)


def _all_tax(item: Record, currency: str) -> Money:
    """Every tax of the item: goods, shipping and gift wrap."""
    wrap = _amount(_buyer_info(item), "GiftWrapTax", currency)
    return _item_tax(item, currency) + _shipping_tax(item, currency) + wrap


def _buyer_info(item: Record) -> Record:
    found = item.get("BuyerInfo") or {}
    if not isinstance(found, dict):
        raise InvalidValue("BuyerInfo", type(found).__name__, "must be an object")
    return found


def _gift_wrap(item: Record, currency: str) -> FeeLine | None:
    info = _buyer_info(item)
    price = money_object(info, "GiftWrapPrice", currency, "Amount", "CurrencyCode")
    if price is None:
        return None
    tax = _amount(info, "GiftWrapTax", currency)
    return FeeLine(
        "gift wrap",
        price,
        tax=Money.zero(currency) if _remitted(item) else tax,
        taxable=bool(tax.amount),
        external_id=str(item["OrderItemId"]),
    )


def _shipping_tax(item: Record, currency: str) -> Money:
    return _amount(item, "ShippingTax", currency) - _amount(item, "ShippingDiscountTax", currency)


def _line(item: Record, currency: str) -> OrderLine:
    quantity = whole(item["QuantityOrdered"], f"item {item.get('OrderItemId')}.QuantityOrdered")
    common: dict[str, Any] = {
        "channel_sku": str(item["SellerSKU"]) if item.get("SellerSKU") else None,
        "quantity": quantity,
        "title": str(item.get("Title") or ""),
        "external_id": str(item["OrderItemId"]),
        "raw": dict(item),
        "platform_listing_id": str(item["ASIN"]),
        "quantity_shipped": whole(item.get("QuantityShipped") or 0, "QuantityShipped"),
    }
    if item.get("ItemPrice") is None:  # Pending: Amazon states no money yet
        return OrderLine(unit_price=None, amounts_known=False, **common)
    tax = _item_tax(item, currency)
    remitted = _remitted(item)
    return OrderLine(
        unit_price=unit_price(_amount(item, "ItemPrice", currency), quantity),
        discount=_amount(item, "PromotionDiscount", currency),
        tax=Money.zero(currency) if remitted else tax,
        marketplace_tax=tax if remitted else None,
        shipping=_amount(item, "ShippingPrice", currency),
        shipping_tax=_shipping_tax(item, currency),
        shipping_discount=_amount(item, "ShippingDiscount", currency),
        **common,
    )


def _status(record: Record, context: Context) -> tuple[OrderStatus, str | None]:
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    decision = resolve_status(
        "amazon", {"OrderStatus": record.get("OrderStatus")}, channel=channel, overrides=overrides
    )
    if record.get("FulfillmentChannel") == "AFN" and decision.status is not OrderStatus.CANCELLED:
        return OrderStatus.COMPLETED, AFN_REASON
    return decision.status, decision.reason


def _fulfilment(lines: Sequence[OrderLine]) -> FulfillmentStatus:
    shipped = sum(line.quantity_shipped for line in lines)
    if not shipped:
        return FulfillmentStatus.UNFULFILLED
    if all(line.quantity_shipped == line.quantity for line in lines):
        return FulfillmentStatus.FULFILLED
    return FulfillmentStatus.PARTIALLY_FULFILLED


def _money(order: Order, items: Sequence[Record], record: Record) -> None:
    """Shipping, the seller's tax and the marketplace's, from the priced items."""
    currency = order.currency
    priced = [i for i in items if i.get("ItemPrice") is not None]
    shipping = total([_amount(i, "ShippingPrice", currency) for i in priced], currency)
    shipping_off = total([_amount(i, "ShippingDiscount", currency) for i in priced], currency)
    seller = [i for i in priced if not _remitted(i)]
    shipping_tax = total([_shipping_tax(i, currency) for i in seller], currency)
    if shipping.amount or shipping_off.amount:
        title = str(record.get("ShipServiceLevel") or "shipping")
        order.shipping_lines.append(
            ShippingLine(title=title, price=shipping, discount=shipping_off, tax=shipping_tax)
        )
    tax = total([_all_tax(i, currency) for i in seller], currency)
    if tax.amount:
        order.tax_lines.append(
            TaxLine("Amazon tax", Decimal(0), tax, inclusive=order.prices_include_tax)
        )
    order.fee_lines = [fee for i in priced if (fee := _gift_wrap(i, currency)) is not None]
    remitted = [i for i in priced if _remitted(i)]
    if remitted:
        order.marketplace_tax = total([_all_tax(i, currency) for i in remitted], currency)
        order.tax_remitted_by = REMITTER


def map_order(record: Record, context: Context) -> Order:
    order_id = record.get("AmazonOrderId", "?") if isinstance(record, dict) else "?"
    with record_errors(f"amazon order {order_id}"):
        return _map(record, context)


def _map(record: Record, context: Context) -> Order:
    currency = _currency(record, context)
    items = objects(record, "OrderItems")
    status, reason = _status(record, context)
    platform_status = str(record.get("OrderStatus") or "")
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
        customer_name=path(record, "BuyerInfo.BuyerName", None),
        ship_to=_ship_to(record.get("ShippingAddress")),
        number=str(record["AmazonOrderId"]),
        platform_status=platform_status or None,
        financial_status=FINANCIAL.get(platform_status),
        prices_include_tax=record.get("MarketplaceId") in TAX_INCLUSIVE_MARKETPLACES,
        fulfilled_by=FulfilledBy.MARKETPLACE
        if record.get("FulfillmentChannel") == "AFN"
        else FulfilledBy.MERCHANT,
        # Amazon states only the order's total at order level; the rest is per item.
        stated_totals=StatedTotals(
            total=money_object(record, "OrderTotal", currency, "Amount", "CurrencyCode")
        ),
    )
    for item in items:
        order.add_line(_line(item, currency))
    order.fulfillment_status = _fulfilment(order.lines)
    if any(not line.amounts_known for line in order.lines):
        order.amounts_known = False  # Pending: nothing about money is known yet
    else:
        _money(order, items, record)
    return order


def _ship_to(address: Any) -> dict[str, Any]:
    """`ShippingAddress`: `CountryCode`, and `StateOrRegion` as the buyer typed it ("NJ" or
    "New Jersey"). Amazon gives no address at all before an order is paid or to an
    application without the PII role: the order's country is then unknown."""
    a = address or {}
    return addresses.ship_to(
        a,
        country=a.get("CountryCode"),
        subdivision=a.get("StateOrRegion"),
        postal_code=a.get("PostalCode"),
        city=a.get("City"),
    )
