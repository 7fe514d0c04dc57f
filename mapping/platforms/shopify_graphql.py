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
from hub.domain.orders import Discount, Order, OrderLine, Payment, Refund, ShippingLine, TaxLine
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record, path
from mapping.platforms.common import money_at, rate_of
from mapping.statuses import Rule, resolve_status

__all__ = ["is_graphql_order", "map_graphql_order"]

_RESTOCKING = frozenset({"RETURN", "CANCEL", "LEGACY_RESTOCK"})
_FULFILLMENT = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}


def is_graphql_order(record: Record) -> bool:
    return "lineItems" in record or "currencyCode" in record


def _nodes(record: Record, key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    if isinstance(value, dict):
        value = value.get("nodes")
    return list(value or [])


def _shop(record: Record, key: str, currency: str) -> Money:
    return money_at(record, f"{key}.shopMoney.amount", currency)


def _taxes(record: Record, currency: str) -> Money:
    return total([_shop(t, "priceSet", currency) for t in record.get("taxLines") or []], currency)


def _line(node: Record, currency: str) -> OrderLine:
    quantity = int(node["quantity"])
    variant = node.get("variant") or {}
    sku = node.get("sku") or (
        f"#{variant['legacyResourceId']}" if variant.get("legacyResourceId") else "#custom"
    )
    discounts = [
        _shop(a, "allocatedAmountSet", currency) for a in node.get("discountAllocations") or []
    ]
    return OrderLine(
        channel_sku=sku,
        quantity=quantity,
        unit_price=_shop(node, "originalUnitPriceSet", currency),
        title=str(node.get("name") or ""),
        discount=total(discounts, currency),
        tax=_taxes(node, currency),
        external_id=str(node["id"]),
        raw=dict(node),
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
        {
            "line": path(item, "lineItem.id", None),
            "quantity": int(item.get("quantity") or 0),
            "restock": _restock(item),
            "restock_type": str(item["restockType"]).lower() if item.get("restockType") else None,
            "location": path(item, "location.id", None),
            "subtotal": str(_shop(item, "subtotalSet", currency).amount)
            if item.get("subtotalSet")
            else None,
            "tax": str(_shop(item, "totalTaxSet", currency).amount)
            if item.get("totalTaxSet")
            else None,
        }
        for item in _nodes(node, "refundLineItems")
    ]
    return Refund(
        amount=_shop(node, "totalRefundedSet", currency),
        external_id=str(node["id"]),
        reason=str(node.get("note") or ""),
        restock=any(line["restock"] for line in lines),
        lines=lines,
        created_at=utc_datetime(node["createdAt"], context),
    )


def _discount_name(node: Record) -> str:
    return str(node.get("code") or node.get("title") or f"discount {node.get('index')}")


def _discounts(record: Record, currency: str) -> list[Discount]:
    """One per discount application. Lines carry what was allocated to them; what went to
    shipping lines is carried by no order line, so it is the discount's own amount."""
    on_shipping: dict[int, Money] = {}
    for shipping in _nodes(record, "shippingLines"):
        for allocation in shipping.get("discountAllocations") or []:
            index = int(path(allocation, "discountApplication.index", 0) or 0)
            amount = _shop(allocation, "allocatedAmountSet", currency)
            on_shipping[index] = on_shipping.get(index, Money.zero(currency)) + amount
    return [
        Discount(
            code=_discount_name(d),
            amount=on_shipping.get(int(d.get("index") or 0), Money.zero(currency)),
        )
        for d in _nodes(record, "discountApplications")
    ]


def map_graphql_order(record: Record, context: Context) -> Order:
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
        ship_to=dict(record.get("shippingAddress") or {}),
    )
    for node in _nodes(record, "lineItems"):
        order.add_line(_line(node, currency))
    order.shipping_lines = [
        ShippingLine(
            title=str(s.get("title") or ""),
            price=_shop(s, "originalPriceSet", currency),
            carrier=s.get("carrierIdentifier") or s.get("code") or None,
        )
        for s in _nodes(record, "shippingLines")
    ]
    order.tax_lines = [
        TaxLine(
            title=str(t.get("title") or "tax"),
            rate=rate_of(t.get("rate"), "taxLines.rate"),
            amount=_shop(t, "priceSet", currency),
            inclusive=inclusive,
        )
        for t in record.get("taxLines") or []
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
        for tx in record.get("transactions") or []
        if tx.get("kind") in ("SALE", "CAPTURE") and tx.get("status") == "SUCCESS"
    ]
    order.refunds = [_refund(r, currency, context) for r in record.get("refunds") or []]
    return order
