"""WooCommerce wc/v3 order -> hub Order (shapes from the official REST docs, `_orders.md`).

Prices: a line's unit price is `subtotal / quantity` (before coupons), its discount is
`subtotal - total`, its tax `total_tax`; `price` is a JSON number and may be a float,
so it is never read. Times come from the `*_gmt` fields. A line without a SKU (Woo
allows it) is named `#<variation_id or product_id>` so it can still be mapped.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import Discount, Order, OrderLine, Payment, ShippingLine, TaxLine
from mapping.converters import currency_code, integer, optional_text, text, utc_datetime
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping, path
from mapping.statuses import Rule, resolve_status

__all__ = ["WooOrderMapper", "map_order"]


def _money(record: Record, key: str, context: Context) -> Money:
    assert context.currency is not None
    return Money.of(path(record, key, "0") or "0", context.currency, field=key)


class WooLineMapper(Mapper[OrderLine]):
    build = OrderLine
    fields = (
        direct("quantity", "quantity", integer),
        direct("name", "title", text, required=False, default=""),
        direct("id", "external_id", text, required=False),
    )

    def label(self, record: Record) -> str:
        return f"woocommerce order line {record.get('id', '?')}"

    @mapping
    def sku(self, record: Record) -> Fields:
        sku = record.get("sku") or ""
        if not sku:
            sku = f"#{record.get('variation_id') or record.get('product_id') or '?'}"
        return {"channel_sku": sku, "raw": dict(record)}

    @mapping
    def amounts(self, record: Record) -> Fields:
        quantity = integer(record["quantity"], self.context)
        if quantity <= 0:
            raise InvalidValue("quantity", quantity, "must be greater than 0")
        subtotal = _money(record, "subtotal", self.context)
        total = _money(record, "total", self.context)
        unit = Money.of(subtotal.amount / quantity, subtotal.currency)
        return {
            "unit_price": unit,
            "discount": subtotal - total,
            "tax": _money(record, "total_tax", self.context),
        }


class WooShippingMapper(Mapper[ShippingLine]):
    build = ShippingLine
    fields = (
        direct("method_title", "title", text, required=False, default=""),
        direct("method_id", "carrier", optional_text, required=False),
    )

    @mapping
    def price(self, record: Record) -> Fields:
        return {"price": _money(record, "total", self.context)}


class WooTaxMapper(Mapper[TaxLine]):
    build = TaxLine
    fields = (direct("rate_code", "title", text),)

    @mapping
    def amount(self, record: Record) -> Fields:
        amount = _money(record, "tax_total", self.context) + _money(
            record, "shipping_tax_total", self.context
        )
        # rate_percent appeared in later wc/v3 versions; older stores do not send it.
        rate = record.get("rate_percent")
        return {
            "amount": amount,
            "rate": Decimal(str(rate)) / 100 if rate is not None else Decimal(0),
            "inclusive": bool(self.context.extra.get("prices_include_tax", False)),
        }


class WooCouponMapper(Mapper[Discount]):
    build = Discount
    fields = (direct("code", "code", text),)

    @mapping
    def amount(self, record: Record) -> Fields:
        return {"amount": _money(record, "discount", self.context)}


class WooOrderMapper(Mapper[Order]):
    build = Order
    fields = (
        direct("id", "external_id", text),
        direct("currency", "currency", currency_code),
        direct("date_created_gmt", "placed_at", utc_datetime),
        direct("date_modified_gmt", "platform_updated_at", utc_datetime, required=False),
        direct("billing.email", "customer_email", optional_text, required=False),
    )
    nested = (
        children("line_items", "lines", WooLineMapper),
        children("shipping_lines", "shipping_lines", WooShippingMapper),
        children("tax_lines", "tax_lines", WooTaxMapper),
        children("coupon_lines", "discounts", WooCouponMapper),
    )

    def label(self, record: Record) -> str:
        return f"woocommerce order {record.get('id', '?')}"

    def child_context(self, record: Record) -> Context:
        return dataclasses.replace(
            self.context,
            currency=currency_code(record["currency"], self.context),
            extra={
                **self.context.extra,
                "prices_include_tax": bool(record.get("prices_include_tax")),
            },
        )

    @mapping
    def owner(self, record: Record) -> Fields:
        billing = record.get("billing") or {}
        name = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)
        return {
            "tenant_id": self.context.tenant_id,
            "channel_id": self.context.channel_id,
            "customer_name": name or None,
            "ship_to": dict(record.get("shipping") or {}),
        }

    @mapping
    def status(self, record: Record) -> Fields:
        channel = str(self.context.extra.get("channel_name", self.context.channel_id))
        overrides: list[Rule] = list(self.context.extra.get("status_overrides", ()))
        decision = resolve_status(
            "woocommerce", {"status": record.get("status")}, channel=channel, overrides=overrides
        )
        return {"status": decision.status, "status_reason": decision.reason}

    @mapping
    def payment(self, record: Record) -> Fields:
        paid = record.get("date_paid_gmt")
        if not paid:
            return {"payments": []}
        context = self.child_context(record)
        return {
            "payments": [
                Payment(
                    gateway=str(record.get("payment_method") or "unknown"),
                    amount=_money(record, "total", context),
                    external_id=record.get("transaction_id") or None,
                    processed_at=utc_datetime(paid, context),
                )
            ]
        }


def map_order(record: Record, context: Context) -> Order:
    return WooOrderMapper(context).map(record)
