"""The order state machine, checked against a spec written out by hand here."""

from datetime import UTC, datetime
from itertools import product

import pytest

from hub.domain.errors import IllegalTransition, InvalidValue
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus, can_transition

S = OrderStatus

# Written independently of hub.domain.orders.TRANSITIONS: if either drifts, tests fail.
ALLOWED = {
    (S.PENDING_REVIEW, S.READY), (S.PENDING_REVIEW, S.ON_HOLD), (S.PENDING_REVIEW, S.CANCELLED),
    (S.READY, S.ALLOCATED), (S.READY, S.PARTIALLY_ALLOCATED), (S.READY, S.BACKORDERED),
    (S.READY, S.ON_HOLD), (S.READY, S.PENDING_REVIEW), (S.READY, S.CANCELLED),
    (S.ALLOCATED, S.PARTIALLY_ALLOCATED), (S.ALLOCATED, S.PARTIALLY_SHIPPED),
    (S.ALLOCATED, S.SHIPPED), (S.ALLOCATED, S.ON_HOLD), (S.ALLOCATED, S.READY),
    (S.ALLOCATED, S.CANCELLED),
    (S.PARTIALLY_ALLOCATED, S.ALLOCATED), (S.PARTIALLY_ALLOCATED, S.BACKORDERED),
    (S.PARTIALLY_ALLOCATED, S.PARTIALLY_SHIPPED), (S.PARTIALLY_ALLOCATED, S.ON_HOLD),
    (S.PARTIALLY_ALLOCATED, S.READY), (S.PARTIALLY_ALLOCATED, S.CANCELLED),
    (S.BACKORDERED, S.ALLOCATED), (S.BACKORDERED, S.PARTIALLY_ALLOCATED),
    (S.BACKORDERED, S.ON_HOLD), (S.BACKORDERED, S.READY), (S.BACKORDERED, S.CANCELLED),
    (S.ON_HOLD, S.READY), (S.ON_HOLD, S.PENDING_REVIEW), (S.ON_HOLD, S.CANCELLED),
    (S.PARTIALLY_SHIPPED, S.SHIPPED), (S.PARTIALLY_SHIPPED, S.COMPLETED),
    (S.PARTIALLY_SHIPPED, S.REFUNDED),
    (S.SHIPPED, S.COMPLETED), (S.SHIPPED, S.REFUNDED),
    (S.COMPLETED, S.REFUNDED),
    (S.CANCELLED, S.REFUNDED),
}  # fmt: skip


def make_order(status: OrderStatus) -> Order:
    return Order(
        tenant_id=1,
        channel_id=1,
        external_id="1001",
        currency="USD",
        placed_at=datetime(2026, 1, 2, tzinfo=UTC),
        status=status,
    )


@pytest.mark.parametrize(("current", "target"), sorted(product(S, S)))
def test_every_transition_is_allowed_exactly_when_the_spec_says(
    current: OrderStatus, target: OrderStatus
) -> None:
    order = make_order(current)
    if (current, target) in ALLOWED:
        order.transition(target, reason="test")
        assert order.status is target
        assert order.status_reason == "test"
    else:
        with pytest.raises(IllegalTransition) as err:
            order.transition(target)
        assert order.status is current  # refused means untouched
        assert err.value.record == "order 1001"
    assert can_transition(current, target) == ((current, target) in ALLOWED)


def test_terminal_state_refunded_has_no_way_out() -> None:
    assert not any(can_transition(S.REFUNDED, target) for target in S)


def test_naive_placed_at_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        Order(
            tenant_id=1,
            channel_id=1,
            external_id="1",
            currency="USD",
            placed_at=datetime(2026, 1, 2),
        )
    assert err.value.field == "placed_at"


def test_times_are_normalised_to_utc() -> None:
    from datetime import timedelta, timezone

    tokyo = timezone(timedelta(hours=9))
    order = Order(
        tenant_id=1,
        channel_id=1,
        external_id="1",
        currency="JPY",
        placed_at=datetime(2026, 1, 2, 9, 0, tzinfo=tokyo),
    )
    assert order.placed_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert order.placed_at.tzinfo is UTC


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_line_quantity_must_be_a_positive_whole_number(quantity: object) -> None:
    with pytest.raises(InvalidValue) as err:
        OrderLine(
            channel_sku="A",
            quantity=quantity,
            unit_price=Money.of("1", "USD"),  # type: ignore[arg-type]
            external_id="L1",
        )
    assert err.value.field == "quantity"
    assert err.value.record == "order line L1"


def test_line_in_another_currency_is_refused() -> None:
    from hub.domain.errors import CurrencyMismatch

    order = make_order(S.READY)
    with pytest.raises(CurrencyMismatch):
        order.add_line(OrderLine("A", 1, Money.of("1", "EUR")))


def test_grand_total_adds_exclusive_tax_but_not_inclusive_tax() -> None:
    from decimal import Decimal

    from hub.domain.orders import Discount, ShippingLine, TaxLine

    order = make_order(S.READY)
    order.add_line(OrderLine("A", 3, Money.of("10.00", "USD"), discount=Money.of("1.00", "USD")))
    order.discounts.append(Discount("WELCOME", Money.of("2.00", "USD")))
    order.shipping_lines.append(ShippingLine("Ground", Money.of("4.99", "USD")))
    order.tax_lines.append(TaxLine("State", Decimal("0.07"), Money.of("1.89", "USD")))
    order.tax_lines.append(
        TaxLine("VAT incl.", Decimal("0.2"), Money.of("5.00", "USD"), inclusive=True)
    )
    assert order.subtotal == Money.of("30.00", "USD")
    assert order.discount_total == Money.of("3.00", "USD")
    assert order.grand_total == Money.of("33.88", "USD")  # 30 - 3 + 4.99 + 1.89
