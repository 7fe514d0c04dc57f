"""Shopify Admin REST order (webhooks are REST-shaped) -> hub Order.

Shopify's documented semantics (REST Order and Refund resources, 2025-01):
- Amounts are taken in the shop currency, the books' currency: `price`,
  `discount_allocations[].amount`, `tax_lines[].price` are shop money; each `*_set`
  MoneyBag carries shop_money and presentment_money. The buyer's presentment currency is
  kept with the rate Shopify itself applied, read from `total_price_set`.
- Money fields are JSON strings ("199.00"). Some fields are documented as JSON numbers:
  `tax_lines[].rate` (0.06) and, in refunds, `refund_line_items[].subtotal` / `total_tax`
  (195.66). Those accept both; any other money field given as a number is refused with an
  error naming the field (a float has already lost the digits Shopify wrote).
- A line's discount is the sum of its `discount_allocations` (Shopify spreads order-level
  discounts over the lines itself, to the cent). `total_discount` is deprecated and
  documented as 0.00 whenever allocations exist, so it is read only when a (pre-2018)
  order has no `discount_allocations` at all.
- Discounts allocated to shipping lines are that shipping line's `discount`; each
  discount application is named in `Order.discounts` with a zero amount, since every
  cent of it sits on a line or a shipping line and the books never count it twice.
- A line without a SKU (custom items: sku null or "") keeps it missing; it is keyed by its
  variant, else product, else (custom item) its own line id.
- The totals Shopify states (total_price, total_line_items_price, total_tax,
  total_discounts, total_shipping_price_set) are kept for the hub's self-check.
- `taxes_included`: prices already contain the tax (EU VAT shops); tax is then not added
  again to reach `total_price`.
- Refunds: lines from `refund_line_items` (`restock_type` no_restock / cancel / return /
  legacy_restock, `location_id`, subtotal and tax); shipping refunds and discrepancies from
  `order_adjustments` (negative amounts: -5.00 is 5.00 given back). A refund's amount is
  its successful `refund` transactions when they are in the shop currency, else (a
  presentment-currency refund) lines + adjustments in shop money.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, parse_decimal, total
from hub.domain.orders import (
    Discount,
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
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping, path
from mapping.platforms.common import (
    child_label,
    money_at,
    object_at,
    objects,
    rate_of,
    sku_at,
)
from mapping.platforms.shopify_graphql import (
    FINANCIAL,
    FULFILLMENT,
    is_graphql_order,
    map_graphql_order,
    shipped_units,
)
from mapping.statuses import Rule, resolve_status

__all__ = ["ShopifyOrderMapper", "fx_from_price_set", "map_order"]

# restock_type values that put the units back into stock (REST Refund resource).
RESTOCKING = frozenset({"return", "cancel", "legacy_restock"})


def _money(record: Record, key: str, context: Context) -> Money:
    """A documented string money field: strings (and Decimals/ints) only."""
    assert context.currency is not None
    raw = path(record, key, "0")
    return Money.of("0" if raw is None or raw == "" else raw, context.currency, field=key)


def _shop_money(record: Record, key: str, currency: str) -> Money | None:
    """`<key>_set.shop_money.amount` if the record has the MoneyBag, else None."""
    amount = path(record, f"{key}_set.shop_money.amount", None)
    if amount is None:
        return None
    return Money.of(amount, currency, field=f"{key}_set.shop_money.amount")


def _presented(record: Record, key: str, context: Context) -> Money | None:
    """`<key>_set.presentment_money` (the buyer's currency), None where not given."""
    bag = object_at(path(record, f"{key}_set.presentment_money", None), f"{key}_set")
    if not bag:
        return None
    field = f"{key}_set.presentment_money.amount"
    return Money.of(bag.get("amount"), str(bag.get("currency_code")), field=field)


def _presented_sum(items: list[Any], key: str, context: Context) -> Money | None:
    found = [_presented(item, key, context) for item in items]
    known = [m for m in found if m is not None]
    if not known or len(known) != len(found):
        return None
    return total(known, known[0].currency)


def _allocated(record: Record, currency: str) -> Money:
    """What `discount_allocations` take off a line or a shipping line (shop money)."""
    amounts = [
        Money.of(a.get("amount", "0"), currency, field="discount_allocations.amount")
        for a in objects(record, "discount_allocations")
    ]
    return total(amounts, currency)


def _line_discount(record: Record, currency: str) -> Money:
    if "discount_allocations" in record:
        return _allocated(record, currency)
    # Orders older than discount allocations: the (now deprecated) per-line total.
    raw = record.get("total_discount")
    return Money.of(raw if raw not in (None, "") else "0", currency, field="total_discount")


def _sum_tax(record: Record, context: Context) -> Money:
    assert context.currency is not None
    total_ = Money.zero(context.currency)
    for tax in objects(record, "tax_lines"):
        total_ = total_ + _money(tax, "price", context)
    return total_


class ShopifyLineMapper(Mapper[OrderLine]):
    build = OrderLine
    fields = (
        direct("quantity", "quantity", integer),
        direct("title", "title", text, required=False, default=""),
        direct("id", "external_id", text, required=False),
    )

    def label(self, record: Record) -> str:
        return child_label(self.context, "line", record)

    @mapping
    def sku(self, record: Record) -> Fields:
        # A custom item (sku null or "", no variant or product) keeps its SKU missing; the
        # key for listings and holds is the variant, else the product, else (custom items,
        # which have neither) the line itself, so each stays apart from every other.
        listing = record.get("variant_id") or record.get("product_id")
        key = f"{listing}" if listing else f"line:{record.get('id')}"
        return {
            "channel_sku": sku_at(record),
            "platform_listing_id": key,
            "raw": dict(record),
        }

    @mapping
    def amounts(self, record: Record) -> Fields:
        assert self.context.currency is not None
        if record.get("price") in (None, ""):
            # No price stated: the line's money is unknown (None), never 0.
            return {"unit_price": None, "discount": None, "tax": None}
        allocations = objects(record, "discount_allocations")
        taxes = objects(record, "tax_lines")
        return {
            "unit_price": _money(record, "price", self.context),
            "discount": _line_discount(record, self.context.currency),
            "tax": _sum_tax(record, self.context),
            "unit_price_presentment": _presented(record, "price", self.context),
            "discount_presentment": _presented_sum(allocations, "amount", self.context)
            if "discount_allocations" in record
            else None,
            "tax_presentment": _presented_sum(taxes, "price", self.context),
            # Units in successful fulfillments (a line of the order's `fulfillments`).
            "quantity_shipped": min(
                integer(record.get("quantity"), self.context),
                self.context.extra.get("shipped", {}).get(str(record.get("id")), 0),
            ),
        }


class ShopifyShippingMapper(Mapper[ShippingLine]):
    build = ShippingLine
    fields = (
        direct("title", "title", text, required=False, default=""),
        direct("source", "carrier", optional_text, required=False),
    )

    def label(self, record: Record) -> str:
        return child_label(self.context, "shipping line", record)

    @mapping
    def price(self, record: Record) -> Fields:
        assert self.context.currency is not None
        allocations = objects(record, "discount_allocations")
        taxes = objects(record, "tax_lines")
        return {
            # The price before shipping discounts; the discount is stated beside it.
            "price": _money(record, "price", self.context),
            "external_id": str(record["id"]) if record.get("id") is not None else None,
            "price_presentment": _presented(record, "price", self.context),
            "discount": _allocated(record, self.context.currency),
            "discount_presentment": _presented_sum(allocations, "amount", self.context),
            "tax": _sum_tax(record, self.context),
            "tax_presentment": _presented_sum(taxes, "price", self.context),
        }


class ShopifyTaxMapper(Mapper[TaxLine]):
    build = TaxLine
    fields = (direct("title", "title", text),)

    def label(self, record: Record) -> str:
        return child_label(self.context, "tax line", record)

    @mapping
    def amount(self, record: Record) -> Fields:
        return {
            "amount": _money(record, "price", self.context),
            # Documented as a JSON number (0.06); strings are read too.
            "rate": rate_of(record.get("rate"), "tax_lines.rate"),
            "inclusive": bool(self.context.extra.get("taxes_included", False)),
            "amount_presentment": _presented(record, "price", self.context),
        }


def fx_from_price_set(price_set: Record | None, shop: str) -> tuple[Decimal | None, str | None]:
    """(shop units per presentment unit, source), or (None, None) for a one-currency order."""
    if not price_set:
        return None, None
    price_set = object_at(price_set, "total_price_set")
    shop_money = object_at(price_set.get("shop_money"), "total_price_set.shop_money")
    presented = object_at(price_set.get("presentment_money"), "total_price_set")
    if presented.get("currency_code", shop) == shop:
        return None, None
    shop_amount = parse_decimal(shop_money.get("amount", "0"), "total_price_set.shop_money")
    presented_amount = parse_decimal(presented.get("amount", "0"), "total_price_set")
    if presented_amount == 0:
        return None, None
    rate = (shop_amount / presented_amount).quantize(Decimal("0.000001"))
    return rate, "shopify:total_price_set"


def _discount_name(application: Record, index: int) -> str:
    application = object_at(application, f"discount_applications[{index}]")
    return str(
        application.get("code")
        or application.get("title")
        or application.get("description")
        or f"discount {index}"
    )


def _discounts(record: Record, currency: str) -> list[Discount]:
    """One per discount application, named by code or title. What each took off is on
    the lines and shipping lines it was allocated to, so none is left for the order."""
    applications = record.get("discount_applications") or objects(record, "discount_codes")
    return [
        Discount(code=_discount_name(a, i), amount=Money.zero(currency))
        for i, a in enumerate(applications)
    ]


def _refund_money(item: Record, key: str, currency: str) -> Money | None:
    """Refund line amounts: the MoneyBag when given, else the documented number/string,
    else unknown (None)."""
    found = _shop_money(item, key, currency)
    if found is not None or item.get(key) in (None, ""):
        return found
    return money_at(item, key, currency)


def _restock(item: Record, refund: Record) -> bool | None:
    kind = item.get("restock_type")
    if kind is not None:
        return str(kind) in RESTOCKING
    # Before restock_type (API < 2019-10) the refund's own `restock` flag said it.
    legacy = refund.get("restock")
    return bool(legacy) if legacy is not None else None


def _refund(refund: Record, currency: str, context: Context, placed: Any) -> Refund:
    where = f"shopify refund {refund.get('id', '?')}"
    if not isinstance(refund, dict):
        raise InvalidValue("refunds", type(refund).__name__, "must be an object", where)
    lines = []
    owed = Money.zero(currency)
    tax_back = Money.zero(currency)
    stated = True  # every refund line states its subtotal and tax
    for item in objects(refund, "refund_line_items"):
        subtotal = _refund_money(item, "subtotal", currency)
        tax = _refund_money(item, "total_tax", currency)
        if subtotal is None or tax is None:
            stated = False
        else:
            owed, tax_back = owed + subtotal + tax, tax_back + tax
        lines.append(
            RefundLine(
                line_external_id=str(item.get("line_item_id")),
                quantity=integer(item.get("quantity"), context),
                subtotal=subtotal,
                tax=tax,
                restock=_restock(item, refund),
                restock_location=str(item["location_id"]) if item.get("location_id") else None,
            )
        )
    shipping = shipping_tax = unallocated = Money.zero(currency)
    for adjustment in objects(refund, "order_adjustments"):
        # Adjustments are negative when money goes back to the buyer (-5.00: 5.00 back).
        back = -(
            _shop_money(adjustment, "amount", currency) or _money(adjustment, "amount", context)
        )
        back_tax = -(
            _shop_money(adjustment, "tax_amount", currency)
            or _money(adjustment, "tax_amount", context)
        )
        owed = owed + back + back_tax
        if adjustment.get("kind") == "shipping_refund":
            shipping, shipping_tax = shipping + back, shipping_tax + back_tax
        else:  # refund_discrepancy: refunded apart from any line or shipping
            unallocated = unallocated + back + back_tax
    paid_back = [
        tx
        for tx in objects(refund, "transactions")
        if tx.get("kind") == "refund" and tx.get("status") == "success"
    ]
    # Refund transactions are in the currency the buyer paid in (presentment).
    amount: Money | None = owed if stated else None
    amount_presentment = None
    paid_in = {str(tx.get("currency") or currency) for tx in paid_back}
    if paid_back and paid_in == {currency}:
        amount = total([_money(tx, "amount", context) for tx in paid_back], currency)
    if amount is None:
        raise InvalidValue(
            "refund_line_items.subtotal",
            None,
            "not stated, and no shop-currency transaction",
            where,
        )
    if paid_back and paid_in == {context.extra.get("presentment") or currency}:
        buyer = paid_in.pop()
        amount_presentment = total(
            [Money.of(tx.get("amount"), buyer, field="transactions.amount") for tx in paid_back],
            buyer,
        )
    created = refund.get("created_at") or refund.get("processed_at")
    restocks = [line.restock for line in lines]
    locations = {line.restock_location for line in lines if line.restock_location}
    return Refund(
        amount=amount,
        external_id=str(refund.get("admin_graphql_api_id") or refund.get("id")),
        reason=str(refund.get("note") or ""),
        # Unknown when any refunded line does not say; nothing to restock: False.
        restock=None if None in restocks else any(restocks),
        lines=lines,
        created_at=utc_datetime(created, context) if created else placed,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=tax_back + shipping_tax if stated else None,
        unallocated=unallocated,
        restock_location=locations.pop() if len(locations) == 1 else None,
        amount_presentment=amount_presentment,
    )


def stated(record: Record, currency: str) -> StatedTotals:
    """The order's totals as Shopify states them when it was placed (current_* ones move
    with refunds and edits, which the hub keeps as refunds)."""

    def figure(key: str) -> Money | None:
        found = _shop_money(record, key, currency)
        if found is not None:
            return found
        raw = record.get(key)
        return None if raw is None else Money.of(raw, currency, field=key)

    return StatedTotals(
        total=figure("total_price"),
        subtotal=figure("total_line_items_price"),
        tax=figure("total_tax"),
        discounts=figure("total_discounts"),
        shipping=_shop_money(record, "total_shipping_price", currency),
        fees=None,  # Shopify states additional fees apart (duties, fees) on few orders
    )


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
    )

    def label(self, record: Record) -> str:
        if not isinstance(record, Mapping):
            return "shopify order ?"
        return f"shopify order {record.get('name') or record.get('id', '?')}"

    def child_context(self, record: Record) -> Context:
        return dataclasses.replace(
            self.context,
            currency=currency_code(record["currency"], self.context),
            extra={
                **self.context.extra,
                "taxes_included": bool(record.get("taxes_included")),
                "order": self.label(record),
                "presentment": record.get("presentment_currency"),
                "shipped": shipped_units(
                    objects(record, "fulfillments"), "line_items", "id", "success"
                ),
            },
        )

    @mapping
    def gid(self, record: Record) -> Fields:
        # Webhooks are REST-shaped; the GID is the key a GraphQL pull uses for the order.
        gid = record.get("admin_graphql_api_id")
        return {"external_id": str(gid)} if gid else {}

    @mapping
    def owner(self, record: Record) -> Fields:
        customer = object_at(record.get("customer"), "customer")
        name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
        return {
            "tenant_id": self.context.tenant_id,
            "channel_id": self.context.channel_id,
            "customer_name": name or None,
            "ship_to": _ship_to(record.get("shipping_address")),
        }

    @mapping
    def currency_rate(self, record: Record) -> Fields:
        rate, source = fx_from_price_set(record.get("total_price_set"), str(record["currency"]))
        return {"fx_rate": rate, "fx_source": source}

    @mapping
    def money_facts(self, record: Record) -> Fields:
        context = self.child_context(record)
        currency = str(context.currency)
        placed = utc_datetime(record["created_at"], context)
        payments = [
            Payment(
                gateway=str(tx.get("gateway") or "unknown"),
                amount=_money(tx, "amount", context),
                external_id=str(tx.get("id")),
                processed_at=utc_datetime(tx["processed_at"], context)
                if tx.get("processed_at")
                else None,
            )
            for tx in objects(record, "transactions")
            if tx.get("kind") in ("sale", "capture")
            and tx.get("status") == "success"
            and tx.get("currency", currency) == currency
        ]
        return {
            "stated_totals": stated(record, currency),
            "discounts": _discounts(record, currency),
            "refunds": [_refund(r, currency, context, placed) for r in objects(record, "refunds")],
            "payments": payments,
        }

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
        financial = record.get("financial_status")
        fulfillment = record.get("fulfillment_status")
        cancelled = record.get("cancelled_at")
        return {
            "status": decision.status,
            "status_reason": decision.reason,
            "number": optional_text(record["name"], self.context) if record.get("name") else None,
            "platform_status": f"{financial or '-'}/{fulfillment or 'unfulfilled'}",
            "financial_status": FINANCIAL.get(str(financial)) if financial else None,
            # null is "unfulfilled" in the REST Order resource; "restocked" too (nothing left).
            "fulfillment_status": FULFILLMENT.get(str(fulfillment), FulfillmentStatus.UNFULFILLED),
            "cancelled_at": utc_datetime(cancelled, self.context) if cancelled else None,
            "cancel_reason": record.get("cancel_reason") or None,
            "prices_include_tax": bool(record.get("taxes_included")),
        }


def map_order(record: Record, context: Context) -> Order:
    """Either shape: a GraphQL order node (pulls) or a REST order (webhooks)."""
    if is_graphql_order(record):
        return map_graphql_order(record, context)
    return ShopifyOrderMapper(context).map(record)


def _ship_to(address: Any) -> dict[str, Any]:
    """REST `shipping_address`: `country_code`/`province_code`, names beside them."""
    a = address or {}
    return addresses.ship_to(
        a,
        country=a.get("country_code") or a.get("country"),
        subdivision=a.get("province_code") or a.get("province"),
        postal_code=a.get("zip"),
        city=a.get("city"),
    )
