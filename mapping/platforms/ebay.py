"""eBay Sell Fulfillment v1 order -> hub Order.

- ``lineItemCost`` is the line's price before discounts (unit price x quantity); a
  line's discount is the sum of its ``appliedPromotions``.
- ``pricingSummary.priceDiscount`` (negative) is every discount on the order: whatever
  of it no line carries is an order-level discount, spread over the lines (Money.allocate).
- Amounts are ``{value, currency}`` in the seller's currency; a buyer paying in another
  currency shows up as ``convertedFromValue``/``convertedFromCurrency``.
- Taxes eBay collects and remits itself (``ebayCollectAndRemitTaxes``) are not the
  seller's: only ``taxes`` / ``pricingSummary.tax`` become tax lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.money import Money, total
from hub.domain.orders import Discount, Order, OrderLine, Refund, ShippingLine, TaxLine
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record, path
from mapping.platforms.common import money_at, spread_discount, unit_price
from mapping.statuses import Rule, resolve_status

__all__ = ["map_order"]


def _amount(record: Record, key: str, currency: str) -> Money:
    return money_at(record, f"{key}.value", currency)


def _line(item: Record, currency: str) -> OrderLine:
    quantity = int(item["quantity"])
    cost = _amount(item, "lineItemCost", currency)
    promotions = [
        _amount(p, "discountAmount", currency) for p in item.get("appliedPromotions") or []
    ]
    taxes = [_amount(t, "amount", currency) for t in item.get("taxes") or []]
    return OrderLine(
        channel_sku=str(item.get("sku") or f"#{item.get('legacyItemId', '?')}"),
        quantity=quantity,
        unit_price=unit_price(cost, quantity),
        title=str(item.get("title") or ""),
        discount=total(promotions, currency),
        tax=total(taxes, currency),
        external_id=str(item["lineItemId"]),
        raw=dict(item),
    )


def _fx(record: Record, currency: str) -> tuple[Decimal | None, str | None, str | None]:
    total_ = path(record, "pricingSummary.total", {}) or {}
    buyer = total_.get("convertedFromCurrency")
    if not buyer or buyer == currency or not total_.get("convertedFromValue"):
        return None, None, None
    rate = Decimal(str(total_["value"])) / Decimal(str(total_["convertedFromValue"]))
    return rate.quantize(Decimal("0.000001")), "ebay:pricingSummary.total", buyer


def _refund(
    refund: Record, record: Record, currency: str, context: Context, line: str | None = None
) -> Refund:
    when = refund.get("refundDate") or record["lastModifiedDate"]
    return Refund(
        amount=_amount(refund, "amount", currency),
        external_id=str(refund.get("refundId") or refund.get("refundReferenceId")),
        reason=str(refund.get("refundStatus") or ""),
        # eBay names the refunded line but not how many of its units: no quantity.
        lines=[{"line": line}] if line else [],
        created_at=utc_datetime(when, context),
    )


def _refunds(record: Record, currency: str, context: Context) -> list[Refund]:
    """Order-level refunds (paymentSummary.refunds) and those issued per line item, which
    eBay shows only at the line (lineItems[].refunds, LineItemRefund)."""
    found = [
        _refund(refund, record, currency, context)
        for refund in path(record, "paymentSummary.refunds", []) or []
    ]
    for item in record.get("lineItems") or []:
        for refund in item.get("refunds") or []:
            found.append(_refund(refund, record, currency, context, str(item["lineItemId"])))
    return found


def map_order(record: Record, context: Context) -> Order:
    currency = currency_code(path(record, "pricingSummary.total.currency"), context)
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    observed = {
        "cancelState": path(record, "cancelStatus.cancelState", None),
        "orderPaymentStatus": record.get("orderPaymentStatus"),
        "orderFulfillmentStatus": record.get("orderFulfillmentStatus"),
    }
    decision = resolve_status("ebay", observed, channel=channel, overrides=overrides)
    rate, source, buyer_currency = _fx(record, currency)
    instructions: list[Any] = record.get("fulfillmentStartInstructions") or [{}]
    ship_to = path(instructions[0], "shippingStep.shipTo", {}) or {}
    order = Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=str(record["orderId"]),
        currency=currency,
        placed_at=utc_datetime(record["creationDate"], context),
        platform_updated_at=utc_datetime(record["lastModifiedDate"], context),
        status=decision.status,
        status_reason=decision.reason,
        presentment_currency=buyer_currency,
        fx_rate=rate,
        fx_source=source,
        customer_email=path(record, "buyer.buyerRegistrationAddress.email", None),
        customer_name=ship_to.get("fullName"),
        ship_to=dict(ship_to),
    )
    for item in record.get("lineItems") or []:
        order.add_line(_line(item, currency))
    discount = -_amount(record, "pricingSummary.priceDiscount", currency)
    on_lines = total([line.discount or Money.zero(currency) for line in order.lines], currency)
    if discount.amount > on_lines.amount:
        spread_discount(discount - on_lines, order.lines)
        order.discounts.append(Discount("order discount", Money.zero(currency)))
    shipping = _amount(record, "pricingSummary.deliveryCost", currency) + _amount(
        record, "pricingSummary.deliveryDiscount", currency
    )  # deliveryDiscount is negative
    if shipping.amount:
        order.shipping_lines.append(ShippingLine("eBay shipping", shipping))
    tax = _amount(record, "pricingSummary.tax", currency)
    if tax.amount:
        order.tax_lines.append(TaxLine("sales tax", Decimal(0), tax))
    order.refunds = _refunds(record, currency, context)
    return order
