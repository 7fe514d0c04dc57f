"""Shopify Admin REST order -> hub Order, keeping shop and presentment currency apart.

Amounts are taken in the shop currency (the books' currency: `price`, `total_discount`,
`tax_lines[].price`); the buyer's presentment currency is kept on the order with the
rate Shopify itself applied, read from `total_price_set` (shop_money / presentment_money),
recorded with source "shopify:total_price_set".
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hub.domain.money import Money, parse_decimal
from hub.domain.orders import Discount, Order, OrderLine, ShippingLine, TaxLine
from mapping.converters import currency_code, integer, optional_text, text, utc_datetime
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping, path
from mapping.platforms.shopify_graphql import is_graphql_order, map_graphql_order
from mapping.statuses import Rule, resolve_status

__all__ = ["ShopifyOrderMapper", "fx_from_price_set", "map_order"]


def _money(record: Record, key: str, context: Context) -> Money:
    assert context.currency is not None
    return Money.of(path(record, key, "0") or "0", context.currency, field=key)


def _sum_tax(record: Record, context: Context) -> Money:
    assert context.currency is not None
    total = Money.zero(context.currency)
    for tax in record.get("tax_lines") or []:
        total = total + _money(tax, "price", context)
    return total


class ShopifyLineMapper(Mapper[OrderLine]):
    build = OrderLine
    fields = (
        direct("quantity", "quantity", integer),
        direct("title", "title", text, required=False, default=""),
        direct("id", "external_id", text, required=False),
    )

    def label(self, record: Record) -> str:
        return f"shopify order line {record.get('id', '?')}"

    @mapping
    def sku(self, record: Record) -> Fields:
        sku = record.get("sku") or f"#{record.get('variant_id') or record.get('product_id') or '?'}"
        return {"channel_sku": sku, "raw": dict(record)}

    @mapping
    def amounts(self, record: Record) -> Fields:
        return {
            "unit_price": _money(record, "price", self.context),
            "discount": _money(record, "total_discount", self.context),
            "tax": _sum_tax(record, self.context),
        }


class ShopifyShippingMapper(Mapper[ShippingLine]):
    build = ShippingLine
    fields = (
        direct("title", "title", text, required=False, default=""),
        direct("source", "carrier", optional_text, required=False),
    )

    @mapping
    def price(self, record: Record) -> Fields:
        return {"price": _money(record, "price", self.context)}


class ShopifyTaxMapper(Mapper[TaxLine]):
    build = TaxLine
    fields = (direct("title", "title", text),)

    @mapping
    def amount(self, record: Record) -> Fields:
        return {
            "amount": _money(record, "price", self.context),
            "rate": parse_decimal(record.get("rate", "0"), "rate"),
            "inclusive": bool(self.context.extra.get("taxes_included", False)),
        }


class ShopifyDiscountMapper(Mapper[Discount]):
    build = Discount
    fields = (direct("code", "code", text),)

    @mapping
    def amount(self, record: Record) -> Fields:
        return {"amount": _money(record, "amount", self.context)}


def fx_from_price_set(price_set: Record | None, shop: str) -> tuple[Decimal | None, str | None]:
    """(shop units per presentment unit, source), or (None, None) for a one-currency order."""
    if not price_set:
        return None, None
    shop_money = price_set.get("shop_money") or {}
    presented = price_set.get("presentment_money") or {}
    if presented.get("currency_code", shop) == shop:
        return None, None
    shop_amount = parse_decimal(shop_money.get("amount", "0"), "total_price_set.shop_money")
    presented_amount = parse_decimal(presented.get("amount", "0"), "total_price_set")
    if presented_amount == 0:
        return None, None
    rate = (shop_amount / presented_amount).quantize(Decimal("0.000001"))
    return rate, "shopify:total_price_set"


class ShopifyOrderMapper(Mapper[Order]):
    build = Order
    fields = (
        direct("id", "external_id", text),
        direct("currency", "currency", currency_code),
        direct("presentment_currency", "presentment_currency", currency_code, required=False),
        direct("created_at", "placed_at", utc_datetime),
        direct("updated_at", "platform_updated_at", utc_datetime, required=False),
        direct("email", "customer_email", optional_text, required=False),
    )
    nested = (
        children("line_items", "lines", ShopifyLineMapper),
        children("shipping_lines", "shipping_lines", ShopifyShippingMapper),
        children("tax_lines", "tax_lines", ShopifyTaxMapper),
        children("discount_codes", "discounts", ShopifyDiscountMapper),
    )

    def label(self, record: Record) -> str:
        return f"shopify order {record.get('name') or record.get('id', '?')}"

    def child_context(self, record: Record) -> Context:
        return dataclasses.replace(
            self.context,
            currency=currency_code(record["currency"], self.context),
            extra={**self.context.extra, "taxes_included": bool(record.get("taxes_included"))},
        )

    @mapping
    def gid(self, record: Record) -> Fields:
        # Webhooks are REST-shaped; the GID is the key a GraphQL pull uses for the order.
        gid = record.get("admin_graphql_api_id")
        return {"external_id": str(gid)} if gid else {}

    @mapping
    def owner(self, record: Record) -> Fields:
        customer = record.get("customer") or {}
        name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
        return {
            "tenant_id": self.context.tenant_id,
            "channel_id": self.context.channel_id,
            "customer_name": name or None,
            "ship_to": dict(record.get("shipping_address") or {}),
        }

    @mapping
    def currency_rate(self, record: Record) -> Fields:
        rate, source = fx_from_price_set(record.get("total_price_set"), str(record["currency"]))
        return {"fx_rate": rate, "fx_source": source}

    @mapping
    def status(self, record: Record) -> Fields:
        channel = str(self.context.extra.get("channel_name", self.context.channel_id))
        overrides: list[Rule] = list(self.context.extra.get("status_overrides", ()))
        observed = {
            "cancelled": "true" if record.get("cancelled_at") else None,
            "financial_status": record.get("financial_status"),
            "fulfillment_status": record.get("fulfillment_status"),
        }
        decision = resolve_status("shopify", observed, channel=channel, overrides=overrides)
        return {"status": decision.status, "status_reason": decision.reason}


def map_order(record: Record, context: Context) -> Order:
    """Either shape: a GraphQL order node (pulls) or a REST order (webhooks)."""
    if is_graphql_order(record):
        return map_graphql_order(record, context)
    return ShopifyOrderMapper(context).map(record)
