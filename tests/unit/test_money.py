from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.errors import CurrencyMismatch, InvalidValue
from hub.domain.money import Money, minor_units, total


@pytest.mark.parametrize(
    ("currency", "digits"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3), ("BHD", 3), ("CLF", 4)]
)
def test_minor_units_follow_iso_4217(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("1234.5", "JPY", "1235"),
        ("1234.4", "JPY", "1234"),
        ("10.005", "USD", "10.01"),
        ("10.004", "USD", "10.00"),
        ("-10.005", "USD", "-10.01"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "KWD", "1.234"),
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_unit(
    raw: str, currency: str, expected: str
) -> None:
    money = Money.of(raw, currency)
    assert money.amount == Decimal(expected)
    assert str(money.amount) == expected


def test_money_is_printed_with_exactly_the_minor_units() -> None:
    assert str(Money.of("5", "KWD")) == "5.000 KWD"
    assert str(Money.of("5", "JPY")) == "5 JPY"


def test_floats_are_refused_because_they_have_already_lost_cents() -> None:
    with pytest.raises(InvalidValue) as err:
        Money.of(0.1, "USD", field="unit_price")
    assert err.value.field == "unit_price"


@pytest.mark.parametrize("raw", ["12,50", "abc", "", "1e", "NaN", "Infinity", None, [1]])
def test_malformed_amounts_are_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(InvalidValue) as err:
        Money.of(raw, "USD", field="total_price")
    assert err.value.field == "total_price"
    assert "total_price" in str(err.value)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        Money.of("1", "XXY")
    assert err.value.field == "currency"


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") + Money.of("1", "EUR")


def test_times_rounds_the_product() -> None:
    assert Money.of("0.333", "KWD").times(3).amount == Decimal("0.999")
    assert Money.of("19.99", "USD").times(Decimal("0.075")).amount == Decimal("1.50")


def test_times_refuses_float_factor() -> None:
    with pytest.raises(InvalidValue):
        Money.of("1", "USD").times(0.5)  # type: ignore[arg-type]


def test_allocate_splits_without_losing_a_cent() -> None:
    parts = Money.of("10.00", "USD").allocate([1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]


@given(
    units=st.integers(min_value=-(10**9), max_value=10**9),
    currency=st.sampled_from(["JPY", "USD", "KWD"]),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocated_parts_always_add_up_and_are_rounded(
    units: int, currency: str, weights: list[int]
) -> None:
    money = Money(Decimal(units).scaleb(-minor_units(currency)), currency)
    parts = money.allocate(weights)
    assert total(parts, currency) == money
    assert all(p.is_rounded() for p in parts)
    assert all(p.amount == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
