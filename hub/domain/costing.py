"""Moving-average cost per SKU: what a stock movement is worth in the books.

A receipt adds its units at the purchase price and moves the average; every other valued
movement (shipment, scrap, a count, a restocked return) takes or gives units at the
average of that moment. The value of each movement is kept, so the inventory's value at
any date is the sum of the values up to that date: the same sums the books hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from hub.domain.errors import DomainError
from hub.domain.inventory import MovementKind
from hub.domain.money import Money

__all__ = ["VALUED", "CostState", "MissingCost", "unit_cost_of"]

K = MovementKind
# Transfers move units between warehouses of one tenant: the average is per SKU, so they
# change no value. Reservations and releases move no goods.
VALUED = frozenset({K.RECEIPT, K.SHIPMENT, K.RETURN, K.SCRAP, K.ADJUSTMENT})
_AVERAGE = Decimal("0.000001")


class MissingCost(DomainError):
    """A movement of a SKU with no unit cost yet: never received at a price."""

    def __init__(self, sku: str, why: str) -> None:
        super().__init__(f"no unit cost for sku {sku}: {why}")
        self.sku = sku


@dataclass
class CostState:
    """One SKU's costing: the units it has valued, their value, and the average."""

    sku: str
    currency: str | None = None
    quantity: int = 0
    value: Decimal = Decimal(0)
    unit_cost: Decimal | None = None  # kept after the SKU sells out, for later returns

    def receive(self, quantity: int, value: Money) -> Money:
        """Units bought for `value` (quantity x the PO line's unit cost, as the supplier
        bill books it, plus the receipt's landed cost apportioned to the line)."""
        if self.currency is not None and value.currency != self.currency:
            raise MissingCost(
                self.sku,
                f"costed in {self.currency}, received at {value.currency}",
            )
        self.currency = value.currency
        delta = value.rounded()
        self.quantity += quantity
        self.value += delta.amount
        self.unit_cost = (
            (self.value / self.quantity).quantize(_AVERAGE, rounding=ROUND_HALF_UP)
            if self.quantity > 0
            else unit_cost_of(delta, quantity)
        )
        return delta

    def move(self, on_hand_delta: int) -> Money:
        """Units out (negative) or back in (positive) at the average: the value moved.
        Taking the last units takes the whole remaining value, so no rounding is left."""
        if self.unit_cost is None or self.currency is None:
            raise MissingCost(self.sku, "never received at a price")
        if on_hand_delta < 0 and -on_hand_delta == self.quantity:
            amount = -self.value
        else:
            amount = Money(self.unit_cost * on_hand_delta, self.currency).rounded().amount
        self.quantity += on_hand_delta
        self.value += amount
        return Money(amount, self.currency)


def unit_cost_of(value: Money, quantity: int) -> Decimal:
    return (value.amount / quantity).quantize(_AVERAGE, rounding=ROUND_HALF_UP)
