"""eBay Sell Fulfillment v1 order -> hub Order.

What eBay states and how it is read (../shared/specs/ebay/sell_fulfillment_v1_oas3.yaml):
- ``lineItemCost`` is the line's price before discounts for all its units (unit price x
  quantity): the line's subtotal is lineItemCost exactly (``common.unit_price``); a line's
  discount is the sum of its ``appliedPromotions`` (positive amounts).
- ``pricingSummary.priceDiscount`` (negative) is every item discount on the order: whatever
  of it no line carries is an order-level discount, spread over the lines (Money.allocate;
  eBay does not say how, the hub's rule). ``deliveryDiscount`` (negative) is the shipping's.
- Amounts are ``{value, currency}`` in the seller's currency; a buyer paying in another
  currency shows up as ``convertedFromValue``/``convertedFromCurrency``.
- 'Collect and Remit' tax (``ebayCollectAndRemitTaxes``) is collected and remitted by eBay:
  the buyer pays it, the seller never owes it. It is ``marketplace_tax`` (remitted by
  "ebay"), the same fact as Amazon's marketplace facilitator tax. With fieldGroups=
  TAX_BREAKDOWN (the connector asks for it) the line's ``taxes`` list it too, with the same
  type and amount, and ``pricingSummary.tax``/``total`` include it: that part is taken out
  of the seller's tax. Without the breakdown eBay's total leaves it out, so the stated
  total gets it added back (PricingSummary.total: "'Collect and Remit' will not be added").
- ``pricingSummary.fee`` (a tire recycling or e-waste fee the buyer pays) is a fee line;
  ``totalMarketplaceFee`` (deducted from the seller's payout) a marketplace fee.
- Refunds are given at the order (``paymentSummary.refunds``) or per line item
  (``lineItems[].refunds``, the refund then appears only there); both are the seller's
  net, without eBay-collected tax. eBay names the line but not the units refunded.
- A line without ``sku`` (legacy listings) keeps its SKU missing; ``legacyItemId`` (with
  ``/legacyVariationId`` of a variation) is the listing id.
- ``lineItemFulfillmentStatus`` FULFILLED means every unit of the line shipped; IN_PROGRESS
  does not say how many, so no unit is counted as shipped for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, parse_decimal, total
from hub.domain.orders import (
    Discount,
    FeeLine,
    FinancialStatus,
    FulfilledBy,
    FulfillmentStatus,
    MarketplaceFee,
    Order,
    OrderLine,
    Refund,
    RefundLine,
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
    spread_discount,
    unit_price,
    whole,
)
from mapping.statuses import Rule, resolve_status

__all__ = ["map_order"]

REMITTER = "ebay"
FINANCIAL = {
    "PENDING": FinancialStatus.PENDING,
    # FAILED: the buyer's payment did not go through; the order waits for a new one.
    "FAILED": FinancialStatus.AWAITING_PAYMENT,
    "PAID": FinancialStatus.PAID,
    "PARTIALLY_REFUNDED": FinancialStatus.PARTIALLY_REFUNDED,
    "FULLY_REFUNDED": FinancialStatus.REFUNDED,
}
FULFILMENT = {
    "NOT_STARTED": FulfillmentStatus.UNFULFILLED,
    "IN_PROGRESS": FulfillmentStatus.PARTIALLY_FULFILLED,
    "FULFILLED": FulfillmentStatus.FULFILLED,
}


def _amount(record: Record, key: str, currency: str) -> Money:
    found = _stated(record, key, currency)
    return Money.zero(currency) if found is None else found


def _stated(record: Record, key: str, currency: str) -> Money | None:
    return money_object(record, key, currency, "value", "currency")


def _off(record: Record, key: str, currency: str) -> Money:
    """An amount taken off, as a positive figure. eBay writes line promotions positive
    (AppliedPromotion.discountAmount) and the order's priceDiscount / deliveryDiscount
    negative ("This should be a negative real number"); the magnitude is the discount
    either way, so a sign written the other way round never turns a discount into a
    surcharge."""
    found = _amount(record, key, currency)
    return Money(abs(found.amount), currency)


def _remitted(item: Record, currency: str) -> Money:
    taxes = item.get("ebayCollectAndRemitTaxes") or []
    return total([_amount(t, "amount", currency) for t in taxes], currency)


def _remitted_in_taxes(item: Record, currency: str) -> Money:
    """The part of the line's ``taxes`` that is collect-and-remit tax: the entries eBay
    lists in both containers with the same type and amount (TAX_BREAKDOWN)."""
    remit = [
        (t.get("taxType"), _amount(t, "amount", currency))
        for t in item.get("ebayCollectAndRemitTaxes") or []
    ]
    found = Money.zero(currency)
    for tax in item.get("taxes") or []:
        key = (tax.get("taxType"), _amount(tax, "amount", currency))
        if key in remit:
            remit.remove(key)
            found = found + key[1]
    return found


def _listing_id(item: Record) -> str | None:
    legacy = item.get("legacyItemId")
    if not legacy:
        return None
    variation = item.get("legacyVariationId")
    return f"{legacy}/{variation}" if variation else str(legacy)


def _presentment_unit(item: Record, quantity: int) -> Money | None:
    cost = item.get("lineItemCost") or {}
    if not cost.get("convertedFromValue") or not cost.get("convertedFromCurrency"):
        return None
    converted = Money.of(str(cost["convertedFromValue"]), str(cost["convertedFromCurrency"]))
    return unit_price(converted, quantity)


def _line(item: Record, currency: str) -> OrderLine:
    quantity = whole(item["quantity"], f"line {item.get('lineItemId')}.quantity")
    cost = _amount(item, "lineItemCost", currency)
    promotions = [_off(p, "discountAmount", currency) for p in objects(item, "appliedPromotions")]
    taxes = total([_amount(t, "amount", currency) for t in item.get("taxes") or []], currency)
    remitted = _remitted(item, currency)
    delivery = item.get("deliveryCost") or {}
    shipped = item.get("lineItemFulfillmentStatus") == "FULFILLED"
    return OrderLine(
        channel_sku=str(item["sku"]) if item.get("sku") else None,
        quantity=quantity,
        unit_price=unit_price(cost, quantity),
        title=str(item.get("title") or ""),
        discount=total(promotions, currency),
        tax=taxes - _remitted_in_taxes(item, currency),
        external_id=str(item["lineItemId"]),
        raw=dict(item),
        platform_listing_id=_listing_id(item),
        unit_price_presentment=_presentment_unit(item, quantity),
        marketplace_tax=remitted if item.get("ebayCollectAndRemitTaxes") else None,
        shipping=_amount(delivery, "shippingCost", currency)
        + _amount(delivery, "handlingCost", currency),
        shipping_discount=_amount(delivery, "discountAmount", currency),
        quantity_shipped=quantity if shipped else 0,
    )


def _fx(record: Record, currency: str) -> tuple[Decimal | None, str | None, str | None]:
    total_ = path(record, "pricingSummary.total", {}) or {}
    buyer = total_.get("convertedFromCurrency")
    if not buyer or buyer == currency or not total_.get("convertedFromValue"):
        return None, None, None
    value = parse_decimal(str(total_["value"]), "pricingSummary.total.value")
    converted = parse_decimal(str(total_["convertedFromValue"]), "pricingSummary.total")
    if converted == 0:
        raise InvalidValue("pricingSummary.total.convertedFromValue", 0, "must not be zero")
    rate = value / converted
    return rate.quantize(Decimal("0.000001")), "ebay:pricingSummary.total", buyer


def _refund(
    refund: Record, record: Record, currency: str, context: Context, line: str | None = None
) -> Refund:
    when = refund.get("refundDate") or record["lastModifiedDate"]
    return Refund(
        amount=_amount(refund, "amount", currency),
        external_id=str(refund.get("refundId") or refund.get("refundReferenceId")),
        reason=str(refund.get("refundStatus") or ""),
        # eBay names the refunded line, not its units (quantity 0: money only) nor how the
        # amount splits into goods and tax (unknown); restock is not said (None).
        lines=[RefundLine(line_external_id=line, quantity=0)] if line else [],
        created_at=utc_datetime(when, context),
    )


def _refunds(record: Record, currency: str, context: Context) -> list[Refund]:
    """Order-level refunds (paymentSummary.refunds) and those issued per line item, which
    eBay shows only at the line (lineItems[].refunds, LineItemRefund)."""
    summary = record.get("paymentSummary") or {}
    found = [_refund(refund, record, currency, context) for refund in objects(summary, "refunds")]
    for item in objects(record, "lineItems"):
        for refund in objects(item, "refunds"):
            found.append(_refund(refund, record, currency, context, str(item["lineItemId"])))
    return found


def _stated_totals(
    record: Record, items: Sequence[Record], currency: str, remitted_in_taxes: Money
) -> StatedTotals:
    summary = record.get("pricingSummary") or {}
    stated_total = _stated(summary, "total", currency)
    remitted = total([_remitted(i, currency) for i in items], currency)
    if stated_total is not None:  # without TAX_BREAKDOWN eBay's total leaves it out
        stated_total = stated_total + remitted - remitted_in_taxes
    tax = _stated(summary, "tax", currency)
    discounts = [_stated(summary, k, currency) for k in ("priceDiscount", "deliveryDiscount")]
    return StatedTotals(
        total=stated_total,
        subtotal=_stated(summary, "priceSubtotal", currency),
        tax=None if tax is None else tax - remitted_in_taxes,
        discounts=-total([d for d in discounts if d is not None], currency),
        shipping=_stated(summary, "deliveryCost", currency),
        fees=_stated(summary, "fee", currency),
    )


def _money(order: Order, record: Record, items: Sequence[Record]) -> None:
    currency = order.currency
    discount = _off(record, "pricingSummary.priceDiscount", currency)
    on_lines = total([line.discount or Money.zero(currency) for line in order.lines], currency)
    if discount.amount > on_lines.amount:
        spread_discount(discount - on_lines, order.lines)
        order.discounts.append(Discount("order discount", Money.zero(currency)))
    shipping = _amount(record, "pricingSummary.deliveryCost", currency)
    shipping_off = _off(record, "pricingSummary.deliveryDiscount", currency)
    if shipping.amount or shipping_off.amount:
        order.shipping_lines.append(ShippingLine("eBay shipping", shipping, discount=shipping_off))
    remitted_in_taxes = total([_remitted_in_taxes(i, currency) for i in items], currency)
    tax = _amount(record, "pricingSummary.tax", currency) - remitted_in_taxes
    if tax.amount:
        order.tax_lines.append(TaxLine("sales tax", Decimal(0), tax))
    if any(i.get("ebayCollectAndRemitTaxes") for i in items):
        order.marketplace_tax = total([_remitted(i, currency) for i in items], currency)
        order.tax_remitted_by = REMITTER
    fee = _stated(record, "pricingSummary.fee", currency)
    if fee is not None and fee.amount:
        order.fee_lines.append(FeeLine("eBay special fee", fee))
    marketplace_fee = _stated(record, "totalMarketplaceFee", currency)
    if marketplace_fee is not None:
        order.marketplace_fees.append(MarketplaceFee("ebay_total_marketplace_fee", marketplace_fee))
    order.stated_totals = _stated_totals(record, items, currency, remitted_in_taxes)


def map_order(record: Record, context: Context) -> Order:
    order_id = record.get("orderId", "?") if isinstance(record, dict) else "?"
    with record_errors(f"ebay order {order_id}"):
        return _map(record, context)


def _map(record: Record, context: Context) -> Order:
    currency = currency_code(path(record, "pricingSummary.total.currency"), context)
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    cancel = record.get("cancelStatus") or {}
    observed = {
        "cancelState": cancel.get("cancelState"),
        "orderPaymentStatus": record.get("orderPaymentStatus"),
        "orderFulfillmentStatus": record.get("orderFulfillmentStatus"),
    }
    decision = resolve_status("ebay", observed, channel=channel, overrides=overrides)
    rate, source, buyer_currency = _fx(record, currency)
    instructions: list[Any] = record.get("fulfillmentStartInstructions") or [{}]
    ship_to = path(instructions[0], "shippingStep.shipTo", {}) or {}
    requests: list[Any] = cancel.get("cancelRequests") or []
    cancelled = cancel.get("cancelState") == "CANCELED"
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
        ship_to=_ship_to(ship_to),
        number=str(record["orderId"]),
        platform_status=record.get("orderPaymentStatus"),
        financial_status=FINANCIAL.get(str(record.get("orderPaymentStatus"))),
        fulfillment_status=FULFILMENT.get(str(record.get("orderFulfillmentStatus"))),
        cancelled_at=utc_datetime(cancel["cancelledDate"], context)
        if cancelled and cancel.get("cancelledDate")
        else None,
        cancel_reason=str(requests[0].get("cancelReason") or "") or None
        if cancelled and requests
        else None,
        fulfilled_by=FulfilledBy.MERCHANT,
    )
    items = objects(record, "lineItems")
    for item in items:
        order.add_line(_line(item, currency))
    _money(order, record, items)
    order.refunds = _refunds(record, currency, context)
    return order


def _ship_to(ship_to: Any) -> dict[str, Any]:
    """`fulfillmentStartInstructions[0].shippingStep.shipTo`: the address is its
    `contactAddress` (`countryCode`, `stateOrProvince`, `postalCode`, `city`)."""
    a = ship_to or {}
    contact = a.get("contactAddress") or {}
    return addresses.ship_to(
        a,
        country=contact.get("countryCode"),
        subdivision=contact.get("stateOrProvince"),
        postal_code=contact.get("postalCode"),
        city=contact.get("city"),
    )
