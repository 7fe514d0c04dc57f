"""The totals self-check: recompute the platform's own stated totals from the order's
lines and name every figure that disagrees.

The platform is the judge of what the buyer was charged; the hub's lines are only right
if they add up to what the platform says. Recomputation follows the order's own rule:
prices with or without tax (Order.prices_include_tax, TaxLine.inclusive). A figure the
platform does not state is not checked, and neither is one that needs an amount the
platform did not state: unknown is not a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hub.domain.errors import UnknownAmount
from hub.domain.money import Money
from hub.domain.orders import Order

__all__ = ["TOTALS_PREFIX", "TotalsCheck", "TotalsDifference", "check_totals"]

# The start of an order's invoice_hold written by this check (lets the hub recognise it).
TOTALS_PREFIX = "totals: "

# Each stated figure and how the hub recomputes it from the order's parts.
_RECOMPUTE: dict[str, Callable[[Order], Money]] = {
    "subtotal": lambda o: o.subtotal,
    "discounts": lambda o: o.discount_total,
    "shipping": lambda o: o.shipping_total,
    "fees": lambda o: o.fee_total,
    "tax": lambda o: o.tax_total,
    "total": lambda o: o.grand_total,
}


@dataclass(frozen=True)
class TotalsDifference:
    figure: str  # total | subtotal | tax | discounts | shipping | fees
    ours: Money
    stated: Money

    def __str__(self) -> str:
        return f"{self.figure} {self.ours} (ours) != {self.stated} (platform)"


@dataclass(frozen=True)
class TotalsCheck:
    differences: list[TotalsDifference] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    # figure -> why it was not checked ("not stated", "unknown amount: lines[0].unit_price")
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def reason(self) -> str | None:
        """The invoice hold's text, naming each differing figure; None when all agree."""
        if self.ok:
            return None
        return TOTALS_PREFIX + "; ".join(str(d) for d in self.differences)


def check_totals(order: Order) -> TotalsCheck:
    result = TotalsCheck()
    stated = order.stated_totals
    if stated is None:
        result.skipped.update({name: "not stated" for name in _RECOMPUTE})
        return result
    figures = stated.figures()
    for name, recompute in _RECOMPUTE.items():
        want = figures[name]
        if want is None:
            result.skipped[name] = "not stated"
            continue
        if not order.amounts_known:
            result.skipped[name] = "unknown amount: the order's amounts"
            continue
        try:
            ours = recompute(order).rounded()
        except UnknownAmount as exc:
            result.skipped[name] = f"unknown amount: {exc.field}"
            continue
        result.checked.append(name)
        if ours != want.rounded():
            result.differences.append(TotalsDifference(name, ours, want))
    return result
