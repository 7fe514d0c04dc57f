"""A Shopify golden case's own arithmetic, by Shopify's documented rules, so a wrong
fixture fails before any mapper is blamed.

REST (Order resource): total_line_items_price = sum(price x quantity); subtotal_price = that
less the lines' discount_allocations; total_discounts = every allocation (lines and
shipping); total_shipping_price_set = shipping before discounts; total_tax = the order's
tax_lines = the lines' and shipping lines' tax_lines; total_price = line items - discounts +
shipping + tax (tax not added when taxes_included). The same holds in presentment money
wherever the *_set MoneyBags give it. A refund's successful refund transactions = its lines'
subtotal + tax less its order adjustments (negative when money goes back), and
current_total_price = total_price - refunds. GraphQL: the same rules over the *Set fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from hub.domain.money import minor_units
from tests.golden.cases import GoldenCase

__all__ = ["check"]

Amount = Callable[[Any], Decimal]


def _d(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def _bag(record: Any, key: str, side: str) -> Decimal:
    return _d(record[key][side]["amount"])


def check(case: GoldenCase) -> list[str]:
    if case.path == "graphql":
        return _graphql(case.payload)
    return _rest(case.payload)


def _decimals(found: list[str], currency: str, amounts: Iterable[Decimal], where: str) -> None:
    places = minor_units(currency)
    for amount in amounts:
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            found.append(f"{where}: {amount} has more than {places} decimals for {currency}")


def _fulfilled(
    found: list[str], status: str | None, quantities: dict[str, int], shipped: dict[str, int]
) -> None:
    """Fulfilled: every unit of every line in a successful fulfillment; partial: some."""
    if any(shipped.get(line, 0) > qty for line, qty in quantities.items()):
        found.append("a fulfillment ships more units than its line")
    total_shipped = sum(shipped.values())
    if status == "fulfilled" and shipped != {k: v for k, v in quantities.items() if v}:
        found.append(f"fulfilled, but fulfillments ship {shipped} of {quantities}")
    if status == "partial" and not 0 < total_shipped < sum(quantities.values()):
        found.append("partially fulfilled, but fulfillments ship all or nothing")


def _shipped(
    fulfillments: list[Any], items: str, key: Callable[[Any], str], ok: str
) -> dict[str, int]:
    units: dict[str, int] = {}
    for f in fulfillments:
        if f["status"] == ok:
            for item in f[items] if isinstance(f[items], list) else f[items]["nodes"]:
                units[key(item)] = units.get(key(item), 0) + item["quantity"]
    return units


def _rest(o: dict[str, Any]) -> list[str]:
    found: list[str] = []
    quantities = {str(li["id"]): li["quantity"] for li in o["line_items"]}
    shipped = _shipped(o.get("fulfillments") or [], "line_items", lambda i: str(i["id"]), "success")
    _fulfilled(found, o.get("fulfillment_status"), quantities, shipped)
    sides = [("shop_money", None)]
    if o.get("total_price_set"):
        sides.append(("presentment_money", None))
    for side, _ in sides:

        def money(record: Any, key: str, side: str = side) -> Decimal:
            if side == "shop_money":
                return _d(record[key])
            return _bag(record, f"{key}_set", side)

        lines, shipping = o["line_items"], o.get("shipping_lines") or []
        items = _sum(money(li, "price") * li["quantity"] for li in lines)
        line_disc = _sum(money(a, "amount") for li in lines for a in li["discount_allocations"])
        ship_disc = _sum(
            money(a, "amount") for s in shipping for a in s.get("discount_allocations") or []
        )
        ship = _sum(money(s, "price") for s in shipping)
        tax = _sum(money(t, "price") for t in o["tax_lines"])
        parts_tax = _sum(
            money(t, "price") for x in [*lines, *shipping] for t in x.get("tax_lines") or []
        )
        added = Decimal(0) if o["taxes_included"] else tax
        want = {
            "total_line_items_price": items,
            "subtotal_price": items - line_disc,
            "total_discounts": line_disc + ship_disc,
            "total_tax": tax,
            "total_price": items - line_disc - ship_disc + ship + added,
        }
        for key, value in want.items():
            if money(o, key) != value:
                found.append(f"{side}: {key} {money(o, key)} != {value} by Shopify's rules")
        if _bag(o, "total_shipping_price_set", side) != ship:
            found.append(f"{side}: total_shipping_price_set != shipping lines {ship}")
        if parts_tax != tax:
            found.append(f"{side}: tax_lines {tax} != lines' and shipping's tax {parts_tax}")
    shop = o["currency"]
    _decimals(found, shop, [_d(li["price"]) for li in o["line_items"]], "line price")
    _decimals(found, shop, [_d(o["total_price"]), _d(o["total_tax"])], "order total")
    refunded = Decimal(0)
    by_id = {li["id"]: li for li in o["line_items"]}
    for r in o.get("refunds") or []:
        owed = _sum(
            _bag(i, "subtotal_set", "shop_money") + _bag(i, "total_tax_set", "shop_money")
            for i in r["refund_line_items"]
        )
        owed -= _sum(_d(a["amount"]) + _d(a["tax_amount"]) for a in r["order_adjustments"])
        paid = [t for t in r["transactions"] if t["kind"] == "refund" and t["status"] == "success"]
        back = _sum(_d(t["amount"]) for t in paid)
        if all(t["currency"] == shop for t in paid) and back != owed:
            found.append(f"refund {r['id']}: transactions {back} != lines - adjustments {owed}")
        for i in r["refund_line_items"]:
            if i["quantity"] > by_id[i["line_item_id"]]["quantity"]:
                found.append(f"refund {r['id']}: more units than line {i['line_item_id']}")
        refunded += owed
    current = o.get("current_total_price")
    if (
        current is not None
        and not o.get("cancelled_at")
        and _d(current) != _d(o["total_price"]) - refunded
    ):
        found.append(f"current_total_price {current} != total_price - refunds")
    return found


def _graphql(o: dict[str, Any]) -> list[str]:
    found: list[str] = []
    lines = o["lineItems"]["nodes"]
    quantities = {li["id"]: li["quantity"] for li in lines}
    shipped = _shipped(
        o["fulfillments"], "fulfillmentLineItems", lambda i: i["lineItem"]["id"], "SUCCESS"
    )
    words = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
    _fulfilled(found, words.get(o["displayFulfillmentStatus"]), quantities, shipped)
    shipping = o["shippingLines"]["nodes"]
    for side in ("shopMoney", "presentmentMoney"):

        def bag(record: Any, key: str, side: str = side) -> Decimal:
            return _d(record[key][side]["amount"])

        items = _sum(bag(li, "originalUnitPriceSet") * li["quantity"] for li in lines)
        line_disc = _sum(
            bag(a, "allocatedAmountSet") for li in lines for a in li["discountAllocations"]
        )
        ship_disc = _sum(
            bag(a, "allocatedAmountSet") for s in shipping for a in s["discountAllocations"]
        )
        ship = _sum(bag(s, "originalPriceSet") for s in shipping)
        tax = _sum(bag(t, "priceSet") for t in o["taxLines"])
        parts = _sum(bag(t, "priceSet") for x in [*lines, *shipping] for t in x["taxLines"])
        added = Decimal(0) if o["taxesIncluded"] else tax
        want = {
            "subtotalPriceSet": items - line_disc,
            "totalDiscountsSet": line_disc + ship_disc,
            "totalShippingPriceSet": ship,
            "totalTaxSet": tax,
            "totalPriceSet": items - line_disc - ship_disc + ship + added,
        }
        for key, value in want.items():
            if bag(o, key) != value:
                found.append(f"{side}: {key} {bag(o, key)} != {value} by Shopify's rules")
        if parts != tax:
            found.append(f"{side}: taxLines {tax} != lines' and shipping's tax {parts}")
    refunded = Decimal(0)
    for r in o.get("refunds") or []:

        def shop(record: Any, key: str) -> Decimal:
            return _d(record[key]["shopMoney"]["amount"])

        owed = _sum(
            shop(i, "subtotalSet") + shop(i, "totalTaxSet") for i in r["refundLineItems"]["nodes"]
        )
        owed += _sum(
            shop(s, "subtotalAmountSet") + shop(s, "taxAmountSet")
            for s in r["refundShippingLines"]["nodes"]
        )
        if shop(r, "totalRefundedSet") != owed:
            found.append(f"refund {r['id']}: totalRefundedSet != lines + shipping {owed}")
        refunded += shop(r, "totalRefundedSet")
    current = _d(o["currentTotalPriceSet"]["shopMoney"]["amount"])
    if (
        not o.get("cancelledAt")
        and current != _d(o["totalPriceSet"]["shopMoney"]["amount"]) - refunded
    ):
        found.append(f"currentTotalPriceSet {current} != totalPriceSet - refunds {refunded}")
    _decimals(found, o["currencyCode"], [_d(o["totalPriceSet"]["shopMoney"]["amount"])], "total")
    return found
