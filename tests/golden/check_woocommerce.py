"""A WooCommerce golden case's own arithmetic, by WooCommerce's rules
(WC_Abstract_Order::calculate_totals and the wc/v3 order schema), so a wrong fixture fails.

Item and fee `total`s are net of tax whatever `prices_include_tax` says; a line's
`subtotal - total` is the coupons' share; cart_tax = the items' and fees' total_tax = the
tax lines' tax_total; shipping_tax = the shipping lines' total_tax = the tax lines'
shipping_tax_total; discount_total = coupon discounts = what the lines lost;
total = items + fees + shipping + cart_tax + shipping_tax. Refunds: the refunds endpoint's
`amount` is minus the order summary's `total`; its lines have non-positive quantities and
totals, never more than the amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hub.domain.money import minor_units
from tests.golden.cases import GoldenCase

__all__ = ["check"]


def _d(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def check(case: GoldenCase) -> list[str]:
    o = case.payload
    found: list[str] = []
    lines, fees = o["line_items"], o.get("fee_lines") or []
    shipping, taxes = o.get("shipping_lines") or [], o.get("tax_lines") or []
    items = _sum(_d(li["total"]) for li in lines)
    cart_tax = _sum(_d(x["total_tax"]) for x in [*lines, *fees])
    ship_tax = _sum(_d(s["total_tax"]) for s in shipping)
    ship = _sum(_d(s["total"]) for s in shipping)
    fee = _sum(_d(f["total"]) for f in fees)
    lost = _sum(_d(li["subtotal"]) - _d(li["total"]) for li in lines)
    coupons = _sum(_d(c["discount"]) for c in o.get("coupon_lines") or [])
    want = {
        "cart_tax": cart_tax,
        "shipping_tax": ship_tax,
        "shipping_total": ship,
        "total_tax": cart_tax + ship_tax,
        "discount_total": coupons,
        "total": items + fee + ship + cart_tax + ship_tax,
    }
    for key, value in want.items():
        if _d(o[key]) != value:
            found.append(f"{key} {o[key]} != {value} by WooCommerce's rules")
    if lost != coupons:
        found.append(f"lines lost {lost} to coupons but coupon_lines say {coupons}")
    if _sum(_d(t["tax_total"]) for t in taxes) != cart_tax:
        found.append(f"tax_lines tax_total != items' and fees' tax {cart_tax}")
    if _sum(_d(t["shipping_tax_total"]) for t in taxes) != ship_tax:
        found.append(f"tax_lines shipping_tax_total != shipping lines' tax {ship_tax}")
    places = minor_units(o["currency"])
    step = Decimal(1).scaleb(-places)
    for key in ("total", "total_tax", "shipping_total"):
        if _d(o[key]) != _d(o[key]).quantize(step):
            found.append(f"{key} {o[key]} has more than {places} decimals for {o['currency']}")
    details = case.http.get(f"orders/{o['id']}/refunds")
    if o.get("refunds") and details is not None:
        by_id = {r["id"]: r for r in details}
        for summary in o["refunds"]:
            refund = by_id.get(summary["id"])
            if refund is None:
                found.append(f"refund {summary['id']} missing from the refunds endpoint")
                continue
            if _d(refund["amount"]) != -_d(summary["total"]):
                found.append(f"refund {summary['id']}: amount != -summary total")
            given = _sum(-(_d(i["total"]) + _d(i["total_tax"])) for i in refund["line_items"])
            if any(i["quantity"] > 0 or _d(i["total"]) > 0 for i in refund["line_items"]):
                found.append(f"refund {summary['id']}: refund lines must be negative")
            if given > _d(refund["amount"]):
                found.append(f"refund {summary['id']}: lines {given} exceed the amount")
    return found
