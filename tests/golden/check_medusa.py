"""Medusa v2 totals, checked on a golden case's own order so a wrong fixture fails before
it can judge the mapper.

Rules, from Medusa's own totals code (packages/core/utils/src/totals/line-item/index.ts,
getLineItemTotals; the same for shipping methods) and the real 2.21.2 answers recorded in
tests/contract/data: amounts are unrounded numbers in major units, so every comparison
allows a millionth of a unit for the binary floats.
- a line's ``rate`` is the sum of its tax lines' rates (percent);
- ``subtotal`` = unit_price x quantity, divided by 1 + rate when ``is_tax_inclusive``;
- ``discount_subtotal`` = the sum of its adjustments (amounts net of tax);
- ``tax_total`` = rate x (subtotal - discount_subtotal), and its tax lines add up to it;
- ``total`` = subtotal - discount_subtotal + tax_total;
- ``discount_total`` = discount_subtotal + discount_tax_total, where discount_tax_total =
  original_tax_total - tax_total (the tax the discount took away);
- ``original_total`` = unit_price x quantity when tax-inclusive, else subtotal +
  original_tax_total;
- the order's subtotal, tax_total, discount_total and total are the sums over its items
  and shipping methods; ``shipping_total`` the shipping methods' totals;
- ``fulfillment_status`` follows the items' fulfilled quantities.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["problems"]

TOLERANCE = Decimal("0.000001")


def _d(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value or 0))


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE


def _owner_problems(owner: dict[str, Any], where: str, gross: Decimal) -> list[str]:
    rate = sum((_d(t.get("rate")) for t in owner.get("tax_lines") or []), Decimal(0)) / 100
    inclusive = bool(owner.get("is_tax_inclusive"))
    subtotal = gross / (1 + rate) if inclusive else gross
    discount = sum((_d(a.get("amount")) for a in owner.get("adjustments") or []), Decimal(0))
    tax = rate * (subtotal - discount)
    original_tax = rate * subtotal
    wanted = {
        "subtotal": subtotal,
        "discount_subtotal": discount,
        "tax_total": tax,
        "total": subtotal - discount + tax,
        "discount_tax_total": original_tax - tax,
        "discount_total": discount + original_tax - tax,
        "original_tax_total": original_tax,
        "original_total": gross if inclusive else subtotal + original_tax,
    }
    found = [
        f"{where}.{key}: {owner.get(key)} != {value:.6f}"
        for key, value in wanted.items()
        if key in owner and not _close(_d(owner[key]), value)
    ]
    on_lines = sum((_d(t.get("total")) for t in owner.get("tax_lines") or []), Decimal(0))
    if owner.get("tax_lines") and not _close(on_lines, tax):
        found.append(f"{where}: tax lines add up to {on_lines}, not {tax:.6f}")
    return found


def _sum(owners: list[dict[str, Any]], key: str) -> Decimal:
    return sum((_d(o.get(key)) for o in owners), Decimal(0))


def _fulfilment(items: list[dict[str, Any]]) -> str:
    done = [int((i.get("detail") or {}).get("fulfilled_quantity") or 0) for i in items]
    wanted = [int(i["quantity"]) for i in items]
    if not any(done):
        return "not_fulfilled"
    return "fulfilled" if done == wanted else "partially_fulfilled"


def problems(order: dict[str, Any]) -> list[str]:
    """Every way the case breaks Medusa's own totals (empty: consistent)."""
    items, methods = order.get("items") or [], order.get("shipping_methods") or []
    found: list[str] = []
    for item in items:
        gross = _d(item["unit_price"]) * _d(item["quantity"])
        found += _owner_problems(item, f"item {item['id']}", gross)
    for method in methods:
        found += _owner_problems(method, f"shipping method {method['id']}", _d(method["amount"]))
    owners = items + methods
    for key in ("subtotal", "tax_total", "discount_total", "total"):
        if key in order and not _close(_d(order[key]), _sum(owners, key)):
            found.append(f"order {key}: {order[key]} != {_sum(owners, key):.6f}")
    shipping = _sum(methods, "total")
    if "shipping_total" in order and not _close(_d(order["shipping_total"]), shipping):
        found.append(f"order shipping_total: {order['shipping_total']} != shipping methods")
    if order.get("status") != "canceled" and order.get("fulfillment_status") not in (
        _fulfilment(items),
        "shipped",
        "partially_shipped",
        "delivered",
        "partially_delivered",
    ):
        stated = order.get("fulfillment_status")
        found.append(f"fulfillment_status {stated} != {_fulfilment(items)}")
    return found
