"""Medusa v2 admin order (the ORDER_FIELDS the connector asks for) -> hub Order.

Amounts are JSON numbers in major units and are *not* rounded (a tax-inclusive tax total
comes as 7.951260504201681): every figure is read as the Decimal of the digits Medusa
wrote, summed unrounded, and rounded once to the currency. ``is_tax_inclusive`` on a
line or shipping method says its price already contains its tax lines.

Discounts follow Medusa's own totals (getLineItemTotals in @medusajs/utils):
``discount_subtotal`` is the discount net of tax, ``discount_total`` adds the tax the
discount took away, and ``tax_total`` is already the tax on the discounted price. So a
tax-exclusive line or shipping method is discounted by ``discount_subtotal`` (its tax
stands apart, already reduced), a tax-inclusive one by ``discount_total`` (its gross
price loses the discount with its tax). The same holds for shipping methods: a free
shipping promotion is an adjustment on the method (``ShippingLine.discount``).

Also: a line without ``variant_sku`` (a custom item, or a variant without SKU) keeps its
SKU missing, keyed by ``variant_id`` when there is one; ``detail.fulfilled_quantity`` is
what Medusa already fulfilled from its own stock (``quantity_shipped``); the order's
``total``, ``tax_total`` and per-owner figures are the stated totals. ``payment_status``
and ``fulfillment_status`` map onto the hub's financial and fulfilment vocabulary below;
Medusa's fulfilment "canceled" (every fulfilment cancelled) means nothing left the stock,
so it is unfulfilled.

Money after checkout lives in the payment module, not on the order
(``payment_collections[].payments[]``): each *capture* (``captures[]``; partial captures
are several) is a hub payment, dated when it was made; an authorized payment not captured
yet is none. Each ``refunds[]`` entry is a refund of money only: Medusa's refund names no
line and moves no stock (units come back through a *return* received at a location, a
separate record). A return received in full (``returns[]`` with status "received") is
that record: Medusa puts its ``received_quantity`` back into stock at the return's
``location_id``, all but the ``damaged_quantity`` (counted as received, written off). So
it maps to a hub refund of no money (the money is the payment refund) whose lines are
restocked at that location, the damaged units not. A return still being received is left
for the pull after it completes.
``canceled_at`` is the order's cancellation. A capture or refund moves
the payment records' ``updated_at`` but not always the order's, so the order's version is
the newest of them all (else the hub would take the captured order for the one it has).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from hub.domain.money import Money, parse_decimal, total
from hub.domain.orders import (
    FinancialStatus,
    FulfilledBy,
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
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record
from mapping.platforms.common import money_at, objects, rate_of, record_errors, whole
from mapping.statuses import Rule, resolve_status

__all__ = ["map_order"]

FINANCIAL = {
    "not_paid": FinancialStatus.AWAITING_PAYMENT,
    "awaiting": FinancialStatus.AWAITING_PAYMENT,
    "requires_action": FinancialStatus.AWAITING_PAYMENT,
    "authorized": FinancialStatus.AUTHORIZED,
    "partially_authorized": FinancialStatus.AUTHORIZED,
    "captured": FinancialStatus.PAID,
    "partially_captured": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "canceled": FinancialStatus.VOIDED,
}
FULFILMENT = {
    "not_fulfilled": FulfillmentStatus.UNFULFILLED,
    "canceled": FulfillmentStatus.UNFULFILLED,
    "partially_fulfilled": FulfillmentStatus.PARTIALLY_FULFILLED,
    "partially_shipped": FulfillmentStatus.PARTIALLY_FULFILLED,
    "partially_delivered": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "shipped": FulfillmentStatus.FULFILLED,
    "delivered": FulfillmentStatus.FULFILLED,
}


def _exact(value: Any, field: str) -> Decimal:
    """Medusa's amounts are JSON numbers: taken exactly as written."""
    return parse_decimal(repr(value) if isinstance(value, float) else value or 0, field)


def _discount(owner: Record, currency: str) -> Money:
    """What is taken off ``owner``'s price, on the same tax footing as that price."""
    key = "discount_total" if owner.get("is_tax_inclusive") else "discount_subtotal"
    if owner.get(key) is None:  # an older answer without the split: the only figure there is
        key = "discount_total"
    return money_at(owner, key, currency)


def _line(item: Record, currency: str) -> OrderLine:
    quantity = whole(item["quantity"], f"item {item.get('id')}.quantity")
    fulfilled = int((item.get("detail") or {}).get("fulfilled_quantity") or 0)
    return OrderLine(
        channel_sku=str(item["variant_sku"]) if item.get("variant_sku") else None,
        platform_listing_id=str(item["variant_id"]) if item.get("variant_id") else None,
        quantity_shipped=min(fulfilled, quantity),
        quantity=quantity,
        unit_price=money_at(item, "unit_price", currency),
        title=str(item.get("title") or ""),
        discount=_discount(item, currency),
        tax=money_at(item, "tax_total", currency),
        external_id=str(item["id"]),
        raw=dict(item),
    )


def _tax_lines(record: Record, currency: str) -> list[TaxLine]:
    """One tax line per tax code, over items and shipping methods, rounded once."""
    sums: dict[tuple[str, Decimal, bool], Decimal] = {}
    owners = [*(record.get("items") or []), *(record.get("shipping_methods") or [])]
    for owner in owners:
        inclusive = bool(owner.get("is_tax_inclusive"))
        for tax in owner.get("tax_lines") or []:
            title = str(tax.get("code") or tax.get("description") or "tax")
            key = (title, rate_of(tax.get("rate"), "tax_lines.rate") / 100, inclusive)
            sums[key] = sums.get(key, Decimal(0)) + _exact(tax.get("total"), "tax_lines.total")
    return [
        TaxLine(title, rate, Money.of(amount, currency), inclusive=inclusive)
        for (title, rate, inclusive), amount in sums.items()
    ]


def map_order(record: Record, context: Context) -> Order:
    order_id = record.get("id", "?") if isinstance(record, dict) else "?"
    with record_errors(f"medusa order {order_id}"):
        return _map(record, context)


def _map(record: Record, context: Context) -> Order:
    currency = currency_code(str(record["currency_code"]).upper(), context)
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    observed = {k: record.get(k) for k in ("status", "payment_status", "fulfillment_status")}
    decision = resolve_status("medusa", observed, channel=channel, overrides=overrides)
    address = record.get("shipping_address") or {}
    items = objects(record, "items")
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    order = Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=str(record["id"]),
        currency=currency,
        placed_at=utc_datetime(record["created_at"], context),
        platform_updated_at=_version(record, context),
        status=decision.status,
        status_reason=decision.reason,
        customer_email=record.get("email") or None,
        customer_name=name or None,
        ship_to=_ship_to(address),
        number=str(record["display_id"]) if record.get("display_id") is not None else None,
        platform_status=record.get("status"),
        financial_status=FINANCIAL.get(str(record.get("payment_status"))),
        fulfillment_status=FULFILMENT.get(str(record.get("fulfillment_status"))),
        prices_include_tax=bool(items) and all(i.get("is_tax_inclusive") for i in items),
        fulfilled_by=FulfilledBy.MERCHANT,
        cancelled_at=utc_datetime(record["canceled_at"], context)
        if record.get("canceled_at")
        else None,
    )
    for item in items:
        order.add_line(_line(item, currency))
    methods = objects(record, "shipping_methods")
    order.shipping_lines = [
        ShippingLine(
            str(m.get("name") or "shipping"),
            money_at(m, "amount", currency),
            external_id=str(m["id"]) if m.get("id") else None,
            discount=_discount(m, currency),
            tax=money_at(m, "tax_total", currency),
        )
        for m in methods
    ]
    order.tax_lines = _tax_lines(record, currency)
    order.stated_totals = _stated(record, currency)
    order.payments, order.refunds = _money_after_checkout(record, currency, context)
    order.refunds += _received_returns(record, currency, context)
    return order


def _payments(record: Record) -> list[Record]:
    return [p for pc in objects(record, "payment_collections") for p in objects(pc, "payments")]


def _version(record: Record, context: Context) -> datetime:
    """The newest ``updated_at`` of the order and of its payment records."""
    stamps = [utc_datetime(record["updated_at"], context)]
    owners = [*objects(record, "payment_collections"), *_payments(record)]
    for owner in [*owners, *objects(record, "returns")]:
        if owner.get("updated_at"):
            stamps.append(utc_datetime(owner["updated_at"], context))
    for payment in _payments(record):
        for child in [*objects(payment, "captures"), *objects(payment, "refunds")]:
            if child.get("updated_at"):
                stamps.append(utc_datetime(child["updated_at"], context))
    return max(stamps)


def _money_after_checkout(
    record: Record, currency: str, context: Context
) -> tuple[list[Payment], list[Refund]]:
    payments: list[Payment] = []
    refunds: list[Refund] = []
    for payment in _payments(record):
        gateway = str(payment.get("provider_id") or "medusa")
        captures = objects(payment, "captures")
        if not captures and payment.get("captured_at") and "captures" not in payment:
            # An answer without the captures list: the captured payment whole.
            captures = [{**payment, "created_at": payment["captured_at"]}]
        for capture in captures:
            payments.append(
                Payment(
                    gateway,
                    money_at(capture, "amount", currency, default=None),
                    external_id=str(capture["id"]),
                    processed_at=utc_datetime(capture["created_at"], context),
                )
            )
        for refund in objects(payment, "refunds"):
            reason = refund.get("refund_reason") or {}
            refunds.append(
                Refund(
                    money_at(refund, "amount", currency, default=None),
                    external_id=str(refund["id"]),
                    reason=str(refund.get("note") or reason.get("label") or ""),
                    created_at=utc_datetime(refund["created_at"], context),
                )
            )
    return payments, refunds


def _received_returns(record: Record, currency: str, context: Context) -> list[Refund]:
    found = []
    for ret in objects(record, "returns"):
        if ret.get("status") != "received":
            continue
        where = f"return {ret.get('id')}"
        lines = []
        for item in objects(ret, "items"):
            line = str(item["item_id"])
            # Damaged (dismissed) units count as received too, but are not restocked.
            received = whole(item.get("received_quantity") or 0, f"{where} received_quantity")
            damaged = whole(item.get("damaged_quantity") or 0, f"{where} damaged_quantity")
            kept = max(received - damaged, 0)
            if kept:
                lines.append(RefundLine(line, kept, restock=True))
            if damaged:
                lines.append(RefundLine(line, damaged, restock=False))
        found.append(
            Refund(
                Money.of(0, currency),
                external_id=str(ret["id"]),
                reason="return received",
                lines=lines,
                created_at=utc_datetime(ret.get("received_at") or ret["updated_at"], context),
                restock_location=str(ret["location_id"]) if ret.get("location_id") else None,
            )
        )
    return found


def _stated(record: Record, currency: str) -> StatedTotals:
    """Medusa's own figures in the hub's meaning: goods before discounts as their prices
    are written (gross when tax-inclusive: original_total, else subtotal), discounts on the
    same footing as each owner's price, shipping before its discounts."""
    items = objects(record, "items")
    methods = list(record.get("shipping_methods") or [])
    goods = [
        money_at(i, "original_total" if i.get("is_tax_inclusive") else "subtotal", currency)
        for i in items
    ]

    def stated(key: str) -> Money | None:
        return None if record.get(key) is None else money_at(record, key, currency)

    return StatedTotals(
        total=stated("total"),
        subtotal=total(goods, currency) if items else None,
        tax=stated("tax_total"),
        discounts=total([_discount(o, currency) for o in [*items, *methods]], currency),
        shipping=total([money_at(m, "amount", currency) for m in methods], currency),
    )


def _ship_to(address: Any) -> dict[str, Any]:
    """`shipping_address`: `country_code` (lower case ISO alpha-2) and `province` (free
    text; Medusa's own data uses the lower-case ISO 3166-2 code, "us-nj")."""
    a = address or {}
    return addresses.ship_to(
        a,
        country=a.get("country_code"),
        subdivision=a.get("province"),
        postal_code=a.get("postal_code"),
        city=a.get("city"),
    )
