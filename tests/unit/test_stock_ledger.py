"""The stock ledger in the domain: every movement kind, every refusal, sums = balances."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.errors import InsufficientStock, InvalidValue
from hub.domain.inventory import MovementKind, StockLevel, count_delta

K = MovementKind


def level(on_hand: int = 0, reserved: int = 0) -> StockLevel:
    return StockLevel(tenant_id=1, warehouse_id=1, sku_id=1, on_hand=on_hand, reserved=reserved)


# (kind, quantity, on_hand before, reserved before) -> (on_hand after, reserved after)
CASES = [
    (K.RECEIPT, 5, 10, 2, 15, 2),
    (K.SHIPMENT, 2, 10, 2, 8, 0),
    (K.RESERVATION, 3, 10, 2, 10, 5),
    (K.RELEASE, 2, 10, 2, 10, 0),
    (K.ADJUSTMENT, -4, 10, 2, 6, 2),
    (K.ADJUSTMENT, 4, 10, 2, 14, 2),
    (K.TRANSFER_OUT, 8, 10, 2, 2, 2),
    (K.TRANSFER_IN, 8, 10, 2, 18, 2),
    (K.RETURN, 1, 10, 2, 11, 2),
    (K.SCRAP, 3, 10, 2, 7, 2),
]


def test_cases_cover_every_movement_kind() -> None:
    assert {case[0] for case in CASES} == set(MovementKind)


@pytest.mark.parametrize(("kind", "qty", "oh", "rv", "oh_after", "rv_after"), CASES)
def test_each_movement_kind_moves_on_hand_and_reserved_by_its_rule(
    kind: MovementKind, qty: int, oh: int, rv: int, oh_after: int, rv_after: int
) -> None:
    stock = level(oh, rv)
    movement = stock.move(kind, qty, actor="tester", reason="why", reference="ref-1")
    assert (stock.on_hand, stock.reserved) == (oh_after, rv_after)
    assert movement.on_hand_delta == oh_after - oh
    assert movement.reserved_delta == rv_after - rv
    assert movement.quantity == abs(qty)
    assert (movement.kind, movement.actor, movement.reason, movement.reference) == (
        kind,
        "tester",
        "why",
        "ref-1",
    )
    assert movement.created_at.tzinfo is not None


@pytest.mark.parametrize(("kind", "qty", "oh", "rv", "field"), [
    (K.SCRAP, 11, 10, 0, "on_hand"),
    (K.SHIPMENT, 3, 10, 2, "reserved"),
    (K.RELEASE, 3, 10, 2, "reserved"),
    (K.RESERVATION, 9, 10, 2, "free (on_hand - reserved)"),
    (K.TRANSFER_OUT, 9, 10, 2, "free (on_hand - reserved)"),
    (K.SCRAP, 9, 10, 2, "free (on_hand - reserved)"),
    (K.ADJUSTMENT, -9, 10, 2, "free (on_hand - reserved)"),
])  # fmt: skip
def test_a_change_that_would_oversell_or_go_negative_is_refused_and_changes_nothing(
    kind: MovementKind, qty: int, oh: int, rv: int, field: str
) -> None:
    stock = level(oh, rv)
    with pytest.raises(InsufficientStock) as err:
        stock.move(kind, qty, actor="tester", reason="why")
    assert err.value.field == field
    assert (stock.on_hand, stock.reserved) == (oh, rv)


@pytest.mark.parametrize("qty", [0, -1, True, 2.0])
def test_quantities_must_be_positive_whole_numbers(qty: object) -> None:
    with pytest.raises(InvalidValue) as err:
        level(5).move(K.RECEIPT, qty, actor="t", reason="r")  # type: ignore[arg-type]
    assert err.value.field == "quantity"


def test_an_adjustment_of_zero_is_refused() -> None:
    with pytest.raises(InvalidValue):
        level(5).move(K.ADJUSTMENT, 0, actor="t", reason="r")


def test_every_movement_names_its_actor() -> None:
    with pytest.raises(InvalidValue) as err:
        level(5).move(K.RECEIPT, 1, actor="", reason="r")
    assert err.value.field == "actor"


def test_cycle_count_turns_an_absolute_count_into_a_delta() -> None:
    assert count_delta(level(10), 7) == -3
    assert count_delta(level(10), 12) == 2
    with pytest.raises(InvalidValue):
        count_delta(level(10), -1)


def test_available_subtracts_reserved_and_safety_stock_with_a_floor_of_zero() -> None:
    stock = level(10, 4)
    stock.set_safety_stock(3)
    assert stock.available == 3
    stock.set_safety_stock(8)
    assert stock.available == 0


moves = st.lists(
    st.tuples(st.sampled_from(list(MovementKind)), st.integers(min_value=-20, max_value=20)),
    max_size=60,
)


@given(moves)
def test_balance_always_equals_the_sum_of_accepted_movements(
    ops: list[tuple[MovementKind, int]],
) -> None:
    stock = level()
    ledger = []
    for kind, qty in ops:
        try:
            ledger.append(stock.move(kind, qty, actor="prop", reason="hypothesis"))
        except (InsufficientStock, InvalidValue):
            continue
        assert 0 <= stock.reserved <= stock.on_hand
    assert stock.on_hand == sum(m.on_hand_delta for m in ledger)
    assert stock.reserved == sum(m.reserved_delta for m in ledger)
