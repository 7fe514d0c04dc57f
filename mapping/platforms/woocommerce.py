"""WooCommerce wc/v3 order -> hub Order (shapes from the official REST docs, `_orders.md`).

Prices: a line's unit price is `subtotal / quantity` (before coupons), its discount is
`subtotal - total`, its tax `total_tax`; `price` is a JSON number and may be a float,
so it is never read. Times come from the `*_gmt` fields. A line without a SKU (Woo
allows it) is named `#<variation_id or product_id>` so it can still be mapped.

Tax: WooCommerce stores every order item's `subtotal` / `total` EXCLUDING tax, whatever
`prices_include_tax` says (WC_Order_Item_Product::get_subtotal "excl. tax";
WC_Abstract_Order::calculate_totals sets the order total to items + fees + shipping +
cart tax + shipping tax). With `prices_include_tax` the merchant entered gross prices, so
a line's unit price is its gross one, `(subtotal + subtotal_tax) / quantity` (exactly the
price the merchant typed, where the net one would lose cents to rounding), its discount
gross too, and its tax is inside the price. The hub's `prices_include_tax` means every
price carries its tax (lines, shipping, fees); WooCommerce states shipping and fees net
with their tax beside them, so they are read back gross (net + their stated tax) and every
tax line is inclusive. Either way the grand total is the order's own `total`, and each
part keeps its stated tax so the books take it out again.

Coupons are already inside each line's `total`, so `coupon_lines` only name the codes
(amount zero: the lines carry it). A negative fee line is how shops give an order-level
discount: it is spread over the lines (Money.allocate, exact to the cent). A positive
fee is a charge, kept as a shipping-like line. Refunds come from `refund_details` (the
connector adds `GET /orders/<id>/refunds` to orders that have refunds), with their
negative quantities and totals turned into what was given back; restock as documented
(see `_restocked_units`), else unknown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.money import total as sum_money
from hub.domain.orders import (
    Discount,
    FeeLine,
    FinancialStatus,
    FulfillmentStatus,
    Order,
    OrderLine,
    Payment,
    Refund,
    RefundLine,
    ShippingLine,
    StatedTotals,
    TaxLine,
)
from mapping import addresses
from mapping.converters import currency_code, integer, optional_text, text, utc_datetime
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping
from mapping.platforms.common import (
    child_label,
    money_at,
    object_at,
    objects,
    rate_of,
    record_errors,
    sku_at,
    spread_discount,
)
from mapping.statuses import Rule, resolve_status

__all__ = ["WooOrderMapper", "map_order"]


_NO_CONTEXT = Context(0, 0, "woocommerce")


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
        return child_label(self.context, "line", record)

    @mapping
    def sku(self, record: Record) -> Fields:
        # Woo allows lines without SKU ("") and without product (product_id 0, a product
        # since deleted or a manual line): the SKU stays missing; the key is the variation,
        # else the product, else the line itself.
        listing = record.get("variation_id") or record.get("product_id")
        return {
            "channel_sku": sku_at(record),
            "platform_listing_id": str(listing) if listing else f"line:{record.get('id')}",
            "raw": dict(record),
        }

    @mapping
    def amounts(self, record: Record) -> Fields:
        quantity = integer(record["quantity"], self.context)
        if quantity <= 0:
            raise InvalidValue("quantity", quantity, "must be greater than 0")
        subtotal = _money(record, "subtotal", self.context)
        total = _money(record, "total", self.context)
        if self.context.extra.get("prices_include_tax"):  # gross, as entered (module doc)
            subtotal = subtotal + _money(record, "subtotal_tax", self.context)
            total = total + _money(record, "total_tax", self.context)
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

    def label(self, record: Record) -> str:
        return child_label(self.context, "shipping line", record)

    @mapping
    def price(self, record: Record) -> Fields:
        # Stated net (with its tax beside it) even when product prices include tax;
        # read back gross then, as every price of such an order (module doc).
        price = _money(record, "total", self.context)
        tax = _money(record, "total_tax", self.context)
        return {
            "price": price + tax if self.context.extra.get("prices_include_tax") else price,
            "tax": tax,
            "external_id": str(record["id"]) if record.get("id") is not None else None,
        }


def _tax_lines(record: Record, currency: str) -> list[TaxLine]:
    inclusive = bool(record.get("prices_include_tax"))
    lines: list[TaxLine] = []
    for tax in objects(record, "tax_lines"):
        title = text(tax.get("rate_code") or tax.get("label") or "tax", _NO_CONTEXT)
        # rate_percent appeared in later wc/v3 versions; older stores do not send it.
        percent = tax.get("rate_percent")
        rate = (
            rate_of(percent, "tax_lines.rate_percent") / 100 if percent is not None else Decimal(0)
        )
        amount = money_at(tax, "tax_total", currency) + money_at(
            tax, "shipping_tax_total", currency
        )
        lines.append(TaxLine(title=title, rate=rate, amount=amount, inclusive=inclusive))
    return lines


class WooCouponMapper(Mapper[Discount]):
    build = Discount
    fields = (direct("code", "code", text),)

    def label(self, record: Record) -> str:
        return child_label(self.context, "coupon line", record)

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
        children("coupon_lines", "discounts", WooCouponMapper),
    )

    def label(self, record: Record) -> str:
        found = record.get("id", "?") if isinstance(record, Mapping) else "?"
        return f"woocommerce order {found}"

    def child_context(self, record: Record) -> Context:
        return dataclasses.replace(
            self.context,
            currency=currency_code(record["currency"], self.context),
            extra={
                **self.context.extra,
                "prices_include_tax": bool(record.get("prices_include_tax")),
                "order": self.label(record),
            },
        )

    @mapping
    def owner(self, record: Record) -> Fields:
        billing = object_at(record.get("billing"), "billing")
        name = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)
        return {
            "tenant_id": self.context.tenant_id,
            "channel_id": self.context.channel_id,
            "customer_name": name or None,
            "ship_to": _ship_to(record.get("shipping")),
        }

    @mapping
    def status(self, record: Record) -> Fields:
        channel = str(self.context.extra.get("channel_name", self.context.channel_id))
        overrides: list[Rule] = list(self.context.extra.get("status_overrides", ()))
        decision = resolve_status(
            "woocommerce", {"status": record.get("status")}, channel=channel, overrides=overrides
        )
        status = str(record.get("status") or "")
        return {
            "status": decision.status,
            "status_reason": decision.reason,
            "number": str(record["number"]) if record.get("number") else None,
            "platform_status": status or None,
            "financial_status": _financial(record),
            # Woo has no partial shipment of its own: "completed" is the only shipped word.
            "fulfillment_status": FulfillmentStatus.FULFILLED
            if status == "completed"
            else FulfillmentStatus.UNFULFILLED,
            "prices_include_tax": bool(record.get("prices_include_tax")),
            "stated_totals": _stated(record, str(record["currency"]).upper()),
        }

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


def _financial(record: Record) -> FinancialStatus:
    """Woo's one status word mixes payment and shipping; the money side is read from what
    the order states: refunds against the total, else whether it was paid
    (date_paid_gmt), else the status (cancelled/failed: nothing will be paid)."""
    currency = str(record["currency"])
    refunded = sum_money(
        [-money_at(r, "total", currency) for r in objects(record, "refunds")], currency
    )
    if refunded.amount > 0:
        full = refunded.amount >= money_at(record, "total", currency).amount
        return FinancialStatus.REFUNDED if full else FinancialStatus.PARTIALLY_REFUNDED
    if record.get("date_paid_gmt"):
        return FinancialStatus.PAID
    if record.get("status") in ("cancelled", "failed", "trash"):
        return FinancialStatus.VOIDED
    return FinancialStatus.AWAITING_PAYMENT  # pending, on-hold, checkout-draft


def _stated(record: Record, currency: str) -> StatedTotals:
    """What the order states: total, total_tax, shipping_total; discount_total counts
    coupons only, so negative fee lines (an order discount, see `_fees`) are added to it.
    Woo states no order subtotal and no fee total (fees: None, unknown)."""
    gross = bool(record.get("prices_include_tax"))
    fees = [
        money_at(f, "total", currency) + money_at(f, "total_tax", currency)
        if gross
        else money_at(f, "total", currency)
        for f in objects(record, "fee_lines")
    ]
    negative_fees = sum_money([-f for f in fees if f.amount < 0], currency)
    shipping = money_at(record, "shipping_total", currency)
    discounts = money_at(record, "discount_total", currency) + negative_fees
    if gross:
        # Every price is read back gross (module doc); Woo states the net part of coupons
        # (discount_total) and of shipping (shipping_total) with their tax beside them
        # (discount_tax, shipping_tax): the gross figures are the sums of the two.
        discounts = discounts + money_at(record, "discount_tax", currency)
        shipping = shipping + money_at(record, "shipping_tax", currency)
    return StatedTotals(
        total=money_at(record, "total", currency),
        tax=money_at(record, "total_tax", currency),
        discounts=discounts,
        shipping=shipping,
    )


def _fees(record: Record, order: Order) -> None:
    """A fee is revenue beside the goods (FeeLine), net of its tax, which sits in the tax
    lines (tax_total counts items and fees); a negative fee is how Woo shops give an
    order-level discount, so it is spread over the lines as a discount."""
    for fee in objects(record, "fee_lines"):
        amount = money_at(fee, "total", order.currency)
        tax = money_at(fee, "total_tax", order.currency)
        if order.prices_include_tax:  # gross, as every price of such an order
            amount = amount + tax
        name = str(fee.get("name") or "fee")
        if amount.amount < 0:
            spread_discount(-amount, order.lines)
            order.discounts.append(Discount(code=name, amount=Money.zero(order.currency)))
            continue
        order.fee_lines.append(
            FeeLine(
                title=name,
                amount=amount,
                tax=tax,
                taxable=fee.get("tax_status") == "taxable",
                external_id=str(fee["id"]) if fee.get("id") is not None else None,
            )
        )


def _meta(item: Record, key: str) -> Any:
    return next((m.get("value") for m in objects(item, "meta_data") if m.get("key") == key), None)


def _restocked_units(record: Record) -> dict[str, int]:
    """Order line id -> units WooCommerce restocked for it, where the line shows it.

    wc_restock_refunded_items() counts them in the line's `_restock_refunded_items` meta;
    the REST API hides `_`-prefixed item meta unless asked (`all_item_meta`), so a line
    without it is *unknown*, not "not restocked". The refund's own `api_restock` is
    write-only: no refund resource says whether it restocked.
    """
    found: dict[str, int] = {}
    for line in objects(record, "line_items"):
        value = _meta(line, "_restock_refunded_items")
        if value is not None and str(value).strip().isdigit():
            found[str(line.get("id"))] = int(str(value).strip())
    return found


def _refunds(record: Record, order: Order, context: Context) -> None:
    details = {str(r.get("id")): r for r in objects(record, "refund_details")}
    restocked = _restocked_units(record)
    refunded_units: dict[str, int] = {}
    for refund in details.values():
        for item in objects(refund, "line_items"):
            line = str(_meta(item, "_refunded_item_id") or item.get("id"))
            units = abs(int(item.get("quantity") or 0))
            refunded_units[line] = refunded_units.get(line, 0) + units
    zero = Money.zero(order.currency)
    for summary in objects(record, "refunds"):
        refund = details.get(str(summary.get("id")), summary)
        amount = refund.get("amount")
        money = Money.of(amount, order.currency) if amount is not None else None
        if money is None:  # the summary's total is negative ("-10.00")
            money = -money_at(summary, "total", order.currency)
        lines: list[RefundLine] = []
        for item in objects(refund, "line_items"):
            line = str(_meta(item, "_refunded_item_id") or item.get("id"))
            units = abs(int(item.get("quantity") or 0))
            restock: bool | None = None
            if units == 0:
                restock = False  # an amount refunded against the line, no units back
            elif line in restocked and restocked[line] >= refunded_units.get(line, units):
                restock = True  # every refunded unit of the line went back to stock
            lines.append(
                RefundLine(
                    line_external_id=line,
                    quantity=units,
                    # refund lines are negative: -9.00 is 9.00 given back
                    subtotal=-money_at(item, "total", order.currency),
                    tax=-money_at(item, "total_tax", order.currency),
                    restock=restock,
                )
            )
        created = refund.get("date_created_gmt")
        on_lines = sum_money(
            [(x.subtotal or zero) + (x.tax or zero) for x in lines], order.currency
        )
        restocks = [x.restock for x in lines]
        order.refunds.append(
            Refund(
                amount=money,
                external_id=str(summary.get("id")),
                reason=str(refund.get("reason") or summary.get("reason") or ""),
                restock=None if None in restocks else any(restocks),
                lines=lines,
                created_at=utc_datetime(created, context) if created else order.placed_at,
                # What the lines do not account for (shipping, fees, or an amount-only
                # refund): the refund resource does not say which. Unknown without details.
                unallocated=money - on_lines if refund is not summary else None,
            )
        )


def map_order(record: Record, context: Context) -> Order:
    order = WooOrderMapper(context).map(record)
    with record_errors(f"woocommerce order {order.external_id}"):
        order.tax_lines = _tax_lines(record, order.currency)
        _fees(record, order)
        _refunds(record, order, context)
    return order


def _ship_to(address: Any) -> dict[str, Any]:
    """`shipping`: `country` (ISO code) and `state` (WooCommerce's state code, ISO 3166-2
    without the country for most countries)."""
    a = address or {}
    return addresses.ship_to(
        a,
        country=a.get("country"),
        subdivision=a.get("state"),
        postal_code=a.get("postcode"),
        city=a.get("city"),
    )
