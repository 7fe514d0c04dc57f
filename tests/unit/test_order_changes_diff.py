"""The pure diff of a platform update against what the hub holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.order_changes import Held, HeldLine, diff
from hub.domain.orders import Order, OrderLine, OrderStatus, Payment, Refund, RefundLine

EUR = "EUR"


def _order(shipped: int = 0, refunds: list[Refund] | None = None, qty: int = 3) -> Order:
    order = Order(1, 1, "1001", EUR, datetime(2026, 11, 1, tzinfo=UTC))
    order.lines = [OrderLine("SKU-A", qty, Money.of("10", EUR), external_id="11",
                             quantity_shipped=shipped)]  # fmt: skip
    order.payments = [Payment("card", Money.of("30", EUR), external_id="p1")]
    order.refunds = refunds or []
    return order


def _held(shipped: int = 0) -> Held:
    return Held("order 1001", OrderStatus.ALLOCATED, EUR,
                {"11": HeldLine(1, 3, shipped, 0, 0)}, payments={"p1"},
                paid=Money.of("30", EUR).amount)  # fmt: skip


def test_the_same_picture_again_is_nothing_new() -> None:
    assert diff(_held(shipped=2), _order(shipped=2)).nothing


def test_only_the_units_shipped_since_are_a_shipment_and_fewer_never_unship() -> None:
    assert diff(_held(shipped=1), _order(shipped=3)).shipments == {"11": 2}
    assert diff(_held(shipped=3), _order(shipped=1)).shipments == {}


def test_a_refund_of_more_than_was_paid_names_the_order_and_refund() -> None:
    big = Refund(Money.of("40", EUR), external_id="r9", lines=[RefundLine("11", 1)])
    with pytest.raises(InvalidValue) as raised:
        diff(_held(), _order(refunds=[big]))
    assert "order 1001 refund r9" in str(raised.value)


def test_a_line_lowered_below_what_shipped_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        diff(_held(shipped=2), _order(qty=1, shipped=1))
    assert "order 1001 line 11" in str(raised.value)


def test_a_shipment_of_more_than_ordered_and_not_cancelled_names_the_line() -> None:
    held = _held()
    held.lines["11"].cancelled = 1  # refunded before shipping
    with pytest.raises(InvalidValue) as raised:
        diff(held, _order(shipped=3))
    assert "order 1001 line 11" in str(raised.value)
    assert "more than the 2 units ordered and not cancelled" in str(raised.value)


def test_a_refund_of_a_line_the_order_does_not_have_is_refused() -> None:
    stray = Refund(Money.of("5", EUR), external_id="r7", lines=[RefundLine("99", 1)])
    with pytest.raises(InvalidValue) as raised:
        diff(_held(), _order(refunds=[stray]))
    assert "order 1001 refund r7" in str(raised.value) and "99" in str(raised.value)


def test_a_line_gone_from_the_platform_is_removed_and_a_new_one_added() -> None:
    order = _order()
    order.lines = [OrderLine("SKU-B", 1, Money.of("10", EUR), external_id="12")]
    changes = diff(_held(), order)
    assert changes.removed == ["11"]
    assert [line.external_id for line in changes.added] == ["12"]
