"""eBay Sell Fulfillment v1 arithmetic, checked on a golden case's own ``Order`` so a wrong
fixture fails before it can judge the mapper.

Rules (the Order, LineItem, PricingSummary, DeliveryCost, AppliedPromotion and refund
types of ../shared/specs/ebay/sell_fulfillment_v1_oas3.yaml):
- ``priceSubtotal`` is the sum of the lines' ``lineItemCost`` (all units, before discounts);
  ``deliveryCost`` the sum of the lines' shipping and handling, before discounts;
- discounts have signs: ``appliedPromotions[].discountAmount`` and a line's
  ``deliveryCost.discountAmount`` are positive, ``pricingSummary.priceDiscount`` and
  ``deliveryDiscount`` negative; priceDiscount covers every line promotion ("all item
  price discounts (including promotions)"), deliveryDiscount every line shipping discount;
- ``total`` = priceSubtotal + deliveryCost + deliveryDiscount + priceDiscount + tax + fee;
  ``tax`` is the sum of the lines' ``taxes`` (collect-and-remit tax counts only where the
  line lists it in ``taxes`` too, i.e. with fieldGroups=TAX_BREAKDOWN);
- a line's ``total`` = lineItemCost + shipping + handling - its promotions - its shipping
  discount + its taxes; the lines' totals and what no line carries make up ``total``;
- refunds (line or order level) are positive and never more than the total (they are the
  seller's net, without eBay-collected tax); FULLY_REFUNDED refunds the whole total,
  PARTIALLY_REFUNDED part of it;
- ``orderFulfillmentStatus`` follows the lines' ``lineItemFulfillmentStatus``;
- every amount is in the seller's currency, with the currency's decimals at most.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.money import minor_units

__all__ = ["problems"]


def _value(record: Any, key: str) -> Decimal:
    money = (record or {}).get(key)
    return Decimal(str(money["value"])) if money else Decimal(0)


def _amounts(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every {value, currency} object under ``node``, with its path."""
    if isinstance(node, dict):
        if "value" in node and "currency" in node:
            return [(where, node)]
        return [x for k, v in node.items() for x in _amounts(v, f"{where}.{k}")]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _amounts(v, f"{where}[{i}]")]
    return []


def _money_problems(order: dict[str, Any]) -> list[str]:
    found: list[str] = []
    found_currencies = {m["currency"] for _, m in _amounts(order, "order")}
    if len(found_currencies) > 1:
        found.append(f"amounts in several currencies: {sorted(found_currencies)}")
    for where, money in _amounts(order, "order"):
        exponent = Decimal(str(money["value"])).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > minor_units(money["currency"]):
            found.append(f"{where}: {money['value']} has too many decimals")
    return found


def _line_total(line: dict[str, Any]) -> Decimal:
    delivery = line.get("deliveryCost") or {}
    found = _value(line, "lineItemCost") + _value(delivery, "shippingCost")
    found += _value(delivery, "handlingCost") - _value(delivery, "discountAmount")
    found -= sum((_value(p, "discountAmount") for p in line.get("appliedPromotions") or []), 0)
    return found + sum((_value(t, "amount") for t in line.get("taxes") or []), Decimal(0))


def _summary_problems(order: dict[str, Any]) -> list[str]:
    found: list[str] = []
    lines, summary = order["lineItems"], order["pricingSummary"]
    subtotal = sum((_value(li, "lineItemCost") for li in lines), Decimal(0))
    if subtotal != _value(summary, "priceSubtotal"):
        found.append(f"priceSubtotal {_value(summary, 'priceSubtotal')} != {subtotal}")
    delivery = [li.get("deliveryCost") or {} for li in lines]
    shipping = sum((_value(d, "shippingCost") + _value(d, "handlingCost") for d in delivery), 0)
    if shipping != _value(summary, "deliveryCost"):
        found.append(f"deliveryCost {_value(summary, 'deliveryCost')} != {shipping}")
    promotions = [p for li in lines for p in li.get("appliedPromotions") or []]
    if any(_value(p, "discountAmount") < 0 for p in promotions):
        found.append("a line promotion's discountAmount is negative")
    for key in ("priceDiscount", "deliveryDiscount"):
        if _value(summary, key) > 0:
            found.append(f"{key} is positive")
    on_lines = sum((_value(p, "discountAmount") for p in promotions), Decimal(0))
    if -_value(summary, "priceDiscount") < on_lines:
        found.append(f"priceDiscount {_value(summary, 'priceDiscount')} < line promotions")
    ship_off = sum((_value(d, "discountAmount") for d in delivery), Decimal(0))
    if -_value(summary, "deliveryDiscount") < ship_off:
        found.append("deliveryDiscount smaller than the lines' shipping discounts")
    taxes = sum((_value(t, "amount") for li in lines for t in li.get("taxes") or []), 0)
    if taxes != _value(summary, "tax"):
        found.append(f"tax {_value(summary, 'tax')} != {taxes} from the lines")
    parts = ("priceSubtotal", "deliveryCost", "deliveryDiscount", "priceDiscount", "tax", "fee")
    computed = sum((_value(summary, k) for k in parts), Decimal(0))
    if computed != _value(summary, "total"):
        found.append(f"total {_value(summary, 'total')} != {computed}")
    unassigned = _value(summary, "priceDiscount") + on_lines
    unassigned += _value(summary, "deliveryDiscount") + ship_off
    by_lines = sum((_line_total(li) for li in lines), Decimal(0)) + unassigned
    if by_lines + _value(summary, "fee") != _value(summary, "total"):
        found.append(f"the lines' totals come to {by_lines}, not the total")
    for li in lines:
        if "total" in li and _line_total(li) != _value(li, "total"):
            stated = _value(li, "total")
            found.append(f"line {li['lineItemId']}: total {stated} != {_line_total(li)}")
    return found


def _refund_problems(order: dict[str, Any]) -> list[str]:
    refunds = [r for li in order["lineItems"] for r in li.get("refunds") or []]
    refunds += list((order.get("paymentSummary") or {}).get("refunds") or [])
    amounts = [_value(r, "amount") for r in refunds]
    refunded, stated = sum(amounts, Decimal(0)), _value(order["pricingSummary"], "total")
    found = [f"refund {a} is not positive" for a in amounts if a <= 0]
    if refunded > stated:
        found.append(f"refunds {refunded} exceed the total {stated}")
    status = order.get("orderPaymentStatus")
    if status == "FULLY_REFUNDED" and refunded != stated:
        found.append(f"FULLY_REFUNDED but {refunded} of {stated} refunded")
    if status == "PARTIALLY_REFUNDED" and not 0 < refunded < stated:
        found.append(f"PARTIALLY_REFUNDED but {refunded} of {stated} refunded")
    return found


def _fulfilment_problems(order: dict[str, Any]) -> list[str]:
    states = {li.get("lineItemFulfillmentStatus") for li in order["lineItems"]}
    expected = (
        "FULFILLED" if states == {"FULFILLED"}
        else "NOT_STARTED" if states == {"NOT_STARTED"}
        else "IN_PROGRESS"
    )  # fmt: skip
    stated = order.get("orderFulfillmentStatus")
    return [] if stated == expected else [f"orderFulfillmentStatus {stated} != {expected}"]


def problems(order: dict[str, Any]) -> list[str]:
    """Every way the case breaks eBay's own arithmetic (empty: consistent)."""
    return (
        _money_problems(order)
        + _summary_problems(order)
        + _refund_problems(order)
        + _fulfilment_problems(order)
    )
