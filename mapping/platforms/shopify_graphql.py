"""Shopify Admin GraphQL order node -> hub Order (the shape our connector's ORDERS query
asks for; see connectors/shop_platforms/shopify/queries.py).

Amounts come from ``*Set.shopMoney`` (the shop currency: the books' currency); the
buyer's presentment currency is kept with the rate Shopify applied (totalPriceSet).
Lines carry every discount allocated to them (Shopify itself spreads order-level
discounts, exactly, in ``discountAllocations``); ``Order.discounts`` only name them.
IDs stay GIDs (``gid://shopify/Order/...``) so pulls and webhooks meet on one key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.money import Money, total
from hub.domain.orders import (
    Discount,
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
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record, path
from mapping.platforms.common import money_at, objects, rate_of, record_errors
from mapping.statuses import Rule, resolve_status

__all__ = [
    "FINANCIAL",
    "FULFILLMENT",
    "is_graphql_order",
    "map_graphql_order",
    "shipped_units",
]

# financial_status (REST) / displayFinancialStatus (GraphQL, lower-cased) -> v2 words.
F = FinancialStatus
FINANCIAL = {
    "pending": F.PENDING,
    "authorized": F.AUTHORIZED,
    "partially_paid": F.AWAITING_PAYMENT,  # some money in, the rest still owed
    "paid": F.PAID,
    "partially_refunded": F.PARTIALLY_REFUNDED,
    "refunded": F.REFUNDED,
    "voided": F.VOIDED,
    "expired": F.VOIDED,  # the authorization lapsed: no money will come
}
# Only these say how much shipped; every other value (OPEN, ON_HOLD, RESTOCKED, SCHEDULED,
# REST null, ...) means nothing has gone out yet.
FULFILLMENT = {
    "FULFILLED": FulfillmentStatus.FULFILLED,
    "PARTIALLY_FULFILLED": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
}

_RESTOCKING = frozenset({"RETURN", "CANCEL", "LEGACY_RESTOCK"})
_FULFILLMENT = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}


def is_graphql_order(record: Record) -> bool:
    return "lineItems" in record or "currencyCode" in record


def _nodes(record: Record, key: str) -> list[Any]:
    return objects(record, key)


def _shop(record: Record, key: str, currency: str) -> Money:
    return money_at(record, f"{key}.shopMoney.amount", currency)


def _buyer(record: Record, key: str) -> Money | None:
    """The presentment side of a MoneyBag, None where not given."""
    bag = path(record, f"{key}.presentmentMoney", None)
    if not bag:
        return None
    return money_at(bag, "amount", str(bag.get("currencyCode")))


def _buyer_sum(items: list[Any], key: str) -> Money | None:
    found = [_buyer(item, key) for item in items]
    known = [m for m in found if m is not None]
    if not known or len(known) != len(found):
        return None
    return total(known, known[0].currency)


def _taxes(record: Record, currency: str) -> Money:
    return total([_shop(t, "priceSet", currency) for t in objects(record, "taxLines")], currency)


def shipped_units(fulfillments: list[Any], items: str, line_key: str, ok: str) -> dict[str, int]:
    """Line id -> units in successful fulfillments (a cancelled or failed one shipped
    nothing): what the allocator must not reserve again."""
    units: dict[str, int] = {}
    for fulfillment in fulfillments:
        if str(fulfillment.get("status")) != ok:
            continue
        for item in objects(fulfillment, items):
            line = str(path(item, line_key, ""))
            units[line] = units.get(line, 0) + int(item.get("quantity") or 0)
    return units


def _line(node: Record, currency: str, shipped: dict[str, int]) -> OrderLine:
    quantity = int(node["quantity"])
    variant = node.get("variant") or {}
    # A custom item has no variant and often no SKU: the SKU stays missing and the line is
    # keyed by its variant, else its own line id (each custom item apart).
    listing = variant.get("legacyResourceId") or variant.get("id")
    allocations = objects(node, "discountAllocations")
    discounts = [_shop(a, "allocatedAmountSet", currency) for a in allocations]
    taxes = objects(node, "taxLines")
    return OrderLine(
        channel_sku=node.get("sku") or None,
        platform_listing_id=str(listing) if listing else f"line:{node['id']}",
        quantity=quantity,
        unit_price=_shop(node, "originalUnitPriceSet", currency),
        title=str(node.get("name") or ""),
        discount=total(discounts, currency),
        tax=_taxes(node, currency),
        external_id=str(node["id"]),
        raw=dict(node),
        unit_price_presentment=_buyer(node, "originalUnitPriceSet"),
        discount_presentment=_buyer_sum(allocations, "allocatedAmountSet"),
        tax_presentment=_buyer_sum(taxes, "priceSet"),
        quantity_shipped=min(quantity, shipped.get(str(node["id"]), 0)),
    )


def _fx(record: Record, shop: str) -> tuple[Decimal | None, str | None]:
    presented = path(record, "totalPriceSet.presentmentMoney", {}) or {}
    if presented.get("currencyCode", shop) == shop:
        return None, None
    shop_amount = _shop(record, "totalPriceSet", shop).amount
    buyer = Decimal(str(presented.get("amount") or "0"))
    if not buyer:
        return None, None
    return (shop_amount / buyer).quantize(Decimal("0.000001")), "shopify:totalPriceSet"


def _restock(item: Record) -> bool | None:
    kind = item.get("restockType")
    if kind is not None:
        return str(kind) in _RESTOCKING
    # restockType absent (not asked for, or a suggested refund): unknown, not "no".
    return None


def _refund(node: Record, currency: str, context: Context) -> Refund:
    lines = [
        RefundLine(
            line_external_id=path(item, "lineItem.id", None),
            quantity=int(item.get("quantity") or 0),
            subtotal=_shop(item, "subtotalSet", currency) if item.get("subtotalSet") else None,
            tax=_shop(item, "totalTaxSet", currency) if item.get("totalTaxSet") else None,
            restock=_restock(item),
            restock_location=path(item, "location.id", None),
        )
        for item in _nodes(node, "refundLineItems")
    ]
    amount = _shop(node, "totalRefundedSet", currency)
    restocks = [line.restock for line in lines]
    locations = {line.restock_location for line in lines if line.restock_location}
    refund = Refund(
        amount=amount,
        external_id=str(node["id"]),
        reason=str(node.get("note") or ""),
        restock=None if None in restocks else any(restocks),
        lines=lines,
        created_at=utc_datetime(node["createdAt"], context),
        restock_location=locations.pop() if len(locations) == 1 else None,
        amount_presentment=_buyer(node, "totalRefundedSet"),
    )
    line_money = [m for line in lines for m in (line.subtotal, line.tax)]
    if "refundShippingLines" not in node or None in line_money:
        return refund  # shipping or line amounts not read: the split stays unknown
    shipping = _nodes(node, "refundShippingLines")
    refund.shipping = total([_shop(s, "subtotalAmountSet", currency) for s in shipping], currency)
    refund.shipping_tax = total([_shop(s, "taxAmountSet", currency) for s in shipping], currency)
    line_tax = total([line.tax for line in lines if line.tax is not None], currency)
    refund.tax = line_tax + refund.shipping_tax
    on_lines = total([m for m in line_money if m is not None], currency)
    # What no line or shipping line accounts for (an order adjustment: a refund
    # discrepancy, goodwill). The docs leave OrderAdjustment.amountSet's sign unsaid, so
    # it is derived from the stated figures rather than read from the adjustments.
    refund.unallocated = amount - on_lines - refund.shipping - refund.shipping_tax
    return refund


def _discount_name(node: Record) -> str:
    return str(node.get("code") or node.get("title") or f"discount {node.get('index')}")


def _discounts(record: Record, currency: str) -> list[Discount]:
    """One per discount application, named; every cent of it is on the lines and
    shipping lines it was allocated to, so none is left for the order itself."""
    return [
        Discount(code=_discount_name(d), amount=Money.zero(currency))
        for d in _nodes(record, "discountApplications")
    ]


def _stated(record: Record, currency: str) -> StatedTotals:
    def figure(key: str) -> Money | None:
        return _shop(record, key, currency) if record.get(key) else None

    return StatedTotals(
        total=figure("totalPriceSet"),
        # subtotalPriceSet is after line discounts; goods before discounts are the
        # lines' own prices, which Shopify does not total: not stated.
        subtotal=None,
        tax=figure("totalTaxSet"),
        discounts=figure("totalDiscountsSet"),
        shipping=figure("totalShippingPriceSet"),
    )


def map_graphql_order(record: Record, context: Context) -> Order:
    with record_errors(f"shopify order {record.get('name') or record.get('id', '?')}"):
        return _map(record, context)


def _map(record: Record, context: Context) -> Order:
    currency = currency_code(record["currencyCode"], context)
    inclusive = bool(record.get("taxesIncluded"))
    rate, source = _fx(record, currency)
    customer = record.get("customer") or {}
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    observed = {
        "cancelled": "true" if record.get("cancelledAt") else None,
        "financial_status": str(record.get("displayFinancialStatus") or "").lower() or None,
        "fulfillment_status": _FULFILLMENT.get(str(record.get("displayFulfillmentStatus"))),
    }
    decision = resolve_status("shopify", observed, channel=channel, overrides=overrides)
    presentment = record.get("presentmentCurrencyCode")
    financial = str(record.get("displayFinancialStatus") or "").lower()
    fulfillment = str(record.get("displayFulfillmentStatus") or "")
    cancelled = record.get("cancelledAt")
    order = Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=str(record["id"]),
        currency=currency,
        placed_at=utc_datetime(record["createdAt"], context),
        platform_updated_at=utc_datetime(record["updatedAt"], context)
        if record.get("updatedAt")
        else None,
        status=decision.status,
        status_reason=decision.reason,
        presentment_currency=currency_code(presentment, context) if presentment else None,
        fx_rate=rate,
        fx_source=source,
        customer_email=record.get("email") or None,
        customer_name=name or None,
        ship_to=_ship_to(record.get("shippingAddress")),
        number=str(record["name"]) if record.get("name") else None,
        platform_status=f"{financial.upper() or '-'}/{fulfillment or '-'}",
        financial_status=FINANCIAL.get(financial),
        fulfillment_status=FULFILLMENT.get(fulfillment, FulfillmentStatus.UNFULFILLED),
        cancelled_at=utc_datetime(cancelled, context) if cancelled else None,
        cancel_reason=str(record["cancelReason"]).lower() if record.get("cancelReason") else None,
        prices_include_tax=inclusive,
        stated_totals=_stated(record, currency),
    )
    shipped = shipped_units(
        objects(record, "fulfillments"), "fulfillmentLineItems", "lineItem.id", "SUCCESS"
    )
    for node in _nodes(record, "lineItems"):
        order.add_line(_line(node, currency, shipped))
    order.shipping_lines = [
        ShippingLine(
            title=str(s.get("title") or ""),
            price=_shop(s, "originalPriceSet", currency),
            carrier=s.get("carrierIdentifier") or s.get("code") or None,
            price_presentment=_buyer(s, "originalPriceSet"),
            discount=total(
                [
                    _shop(a, "allocatedAmountSet", currency)
                    for a in objects(s, "discountAllocations")
                ],
                currency,
            ),
            discount_presentment=_buyer_sum(
                (objects(s, "discountAllocations")), "allocatedAmountSet"
            ),
            tax=_taxes(s, currency),
            tax_presentment=_buyer_sum((objects(s, "taxLines")), "priceSet"),
        )
        for s in _nodes(record, "shippingLines")
    ]
    order.tax_lines = [
        TaxLine(
            title=str(t.get("title") or "tax"),
            rate=rate_of(t.get("rate"), "taxLines.rate"),
            amount=_shop(t, "priceSet", currency),
            inclusive=inclusive,
            amount_presentment=_buyer(t, "priceSet"),
        )
        for t in objects(record, "taxLines")
    ]
    order.discounts = _discounts(record, currency)
    order.payments = [
        Payment(
            gateway=str(tx.get("gateway") or "unknown"),
            amount=_shop(tx, "amountSet", currency),
            external_id=str(tx.get("id")),
            processed_at=utc_datetime(tx["processedAt"], context)
            if tx.get("processedAt")
            else None,
        )
        for tx in objects(record, "transactions")
        if tx.get("kind") in ("SALE", "CAPTURE") and tx.get("status") == "SUCCESS"
    ]
    order.refunds = [_refund(r, currency, context) for r in objects(record, "refunds")]
    return order


def _ship_to(address: Any) -> dict[str, Any]:
    """MailingAddress: `countryCodeV2`/`provinceCode`, names (`country`, `province`) beside."""
    a = address or {}
    return addresses.ship_to(
        a,
        country=a.get("countryCodeV2") or a.get("countryCode") or a.get("country"),
        subdivision=a.get("provinceCode") or a.get("province"),
        postal_code=a.get("zip"),
        city=a.get("city"),
    )
