"""The moving average per SKU, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain.costing import CostState, MissingCost
from hub.domain.money import Money


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def test_receipts_move_the_average_and_issues_take_units_at_it() -> None:
    state = CostState("TENT")
    assert state.receive(10, usd("20.00").times(10)) == usd("200.00")
    assert state.receive(5, usd("23.00").times(5)) == usd("115.00")
    assert state.unit_cost == Decimal("21.000000")
    assert state.move(-3) == usd("-63.00")  # shipped
    assert state.move(+1) == usd("21.00")  # restocked at the average
    assert state.receive(2, usd("30.00").times(2)) == usd("60.00")
    assert (state.quantity, state.value) == (15, Decimal("333.00"))
    assert state.unit_cost == Decimal("22.200000")


def test_the_last_units_take_the_whole_value_so_rounding_never_stays() -> None:
    state = CostState("TENT")
    state.receive(3, usd("10.01").times(3))
    state.receive(3, usd("10.00").times(3))  # average 10.005
    taken = [state.move(-1) for _ in range(6)]
    assert sum(m.amount for m in taken) == Decimal("-60.03")
    assert state.value == Decimal(0) and state.quantity == 0
    assert state.move(+1) == usd("10.01")  # a return after selling out keeps the average


def test_no_cost_is_refused_naming_the_sku_never_zero() -> None:
    with pytest.raises(MissingCost, match="no unit cost for sku TENT: never received"):
        CostState("TENT").move(-1)
    state = CostState("TENT")
    state.receive(1, usd("5.00").times(1))
    with pytest.raises(MissingCost, match="costed in USD, received at EUR"):
        state.receive(1, Money.of("5.00", "EUR"))
    assert (state.quantity, state.value) == (1, Decimal("5.00"))  # nothing half-applied
