"""WooCommerce wc/v3 order -> hub Order (shapes from the official REST docs, `_orders.md`).

Prices: a line's unit price is `subtotal / quantity` (before coupons), its discount is
`subtotal - total`, its tax `total_tax`; `price` is a JSON number and may be a float,
so it is never read. Times come from the `*_gmt` fields. A line without a SKU (Woo
allows it) is named `#<variation_id or product_id>` so it can still be mapped.

Coupons are already inside each line's `total`, so `coupon_lines` only name the codes
(amount zero: the lines carry it). A negative fee line is how shops give an order-level
discount: it is spread over the lines (Money.allocate, exact to the cent). A positive
fee is a charge, kept as a shipping-like line. Refunds come from `refund_details` (the
connector adds `GET /orders/<id>/refunds` to orders that have refunds); a refund that
gives items back (negative line quantities) is a restock.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hub.domain.errors import InvalidValue
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
from mapping.converters import currency_code, integer, optional_text, text, utc_datetime
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping
from mapping.platforms.common import money_at, spread_discount
from mapping.statuses import Rule, resolve_status

__all__ = ["WooOrderMapper", "map_order"]


def _money(record: Record, key: str, context: Context) -> Money:
    assert context.currency is not None
    return money_at(record, key, context.currency)  # strings or numbers


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
        assert self.context.currency is not None
        return {"amount": Money.zero(self.context.currency)}  # already inside line totals


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


def _fees(record: Record, order: Order) -> None:
    for fee in record.get("fee_lines") or []:
        amount = money_at(fee, "total", order.currency)
        name = str(fee.get("name") or "fee")
        if amount.amount < 0:
            spread_discount(-amount, order.lines)
            order.discounts.append(Discount(code=name, amount=Money.zero(order.currency)))
        elif amount.amount > 0:
            order.shipping_lines.append(ShippingLine(title=f"fee: {name}", price=amount))


def _refunds(record: Record, order: Order, context: Context) -> None:
    details = {str(r.get("id")): r for r in record.get("refund_details") or []}
    for summary in record.get("refunds") or []:
        refund = details.get(str(summary.get("id")), summary)
        amount = refund.get("amount")
        money = Money.of(amount, order.currency) if amount is not None else None
        if money is None:  # the summary's total is negative ("-10.00")
            money = -money_at(summary, "total", order.currency)
        lines = [
            {
                "line": next(
                    (str(m.get("value")) for m in item.get("meta_data") or []
                     if m.get("key") == "_refunded_item_id"),
                    str(item.get("id")),
                ),
                "quantity": abs(int(item.get("quantity") or 0)),
            }
            for item in refund.get("line_items") or []
        ]  # fmt: skip
        created = refund.get("date_created_gmt")
        order.refunds.append(
            Refund(
                amount=money,
                external_id=str(summary.get("id")),
                reason=str(refund.get("reason") or summary.get("reason") or ""),
                restock=any(line["quantity"] for line in lines),
                lines=lines,
                created_at=utc_datetime(created, context) if created else order.placed_at,
            )
        )


def map_order(record: Record, context: Context) -> Order:
    order = WooOrderMapper(context).map(record)
    _fees(record, order)
    _refunds(record, order, context)
    return order
