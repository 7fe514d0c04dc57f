"""Available-to-sell formulas, bundles, reorder suggestions and review rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.allocation import AllocationPolicy
from hub.domain.availability import (
    ReviewFacts,
    bundle_available,
    bundles_available,
    channel_available,
    review_reasons,
    suggest_reorder,
    warehouse_available,
)
from hub.domain.errors import InvalidValue


def test_warehouse_available_subtracts_reserved_and_safety_stock_with_floor_zero() -> None:
    assert warehouse_available(10, 3, 2) == 5
    assert warehouse_available(10, 9, 5) == 0


def test_channel_available_applies_buffer_then_share_then_cap_then_end_when() -> None:
    policy = AllocationPolicy(buffer=4, share=Decimal("0.5"), max_to_list=100)
    assert channel_available([10, 7], policy) == 6  # (17 - 4) * 0.5 = 6.5, floored
    assert channel_available([300], policy) == 100
    assert channel_available([3], policy) == 0
    assert channel_available([10], AllocationPolicy(end_when=5)) == 10
    assert channel_available([5], AllocationPolicy(end_when=5)) == 0


@given(
    st.lists(st.integers(0, 500), max_size=5),
    st.integers(0, 50),
    st.decimals(0, 1, places=2),
    st.one_of(st.none(), st.integers(0, 300)),
)
def test_channel_available_never_exceeds_the_pool_or_the_cap(
    figures: list[int], buffer: int, share: Decimal, cap: int | None
) -> None:
    value = channel_available(
        figures, AllocationPolicy(buffer=buffer, share=share, max_to_list=cap)
    )
    assert 0 <= value <= max(0, sum(figures) - buffer)
    assert cap is None or value <= cap


def test_a_bundle_is_limited_by_its_scarcest_component() -> None:
    # tent + 2 pegs-packs: 7 tents, 9 peg packs -> 4 bundles (9 // 2)
    assert bundle_available([(1, 1), (2, 2)], {1: 7, 2: 9}) == 4
    assert bundle_available([(1, 1), (2, 2)], {1: 7}) == 0
    assert bundles_available({10: [(1, 3)], 11: [(1, 1), (2, 1)]}, {1: 7, 2: 1}) == {10: 2, 11: 1}


def test_a_bundle_definition_with_a_bad_quantity_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValue, match="bundle KIT"):
        bundle_available([(1, 0)], {1: 5}, bundle="KIT")
    with pytest.raises(InvalidValue, match="components"):
        bundle_available([], {1: 5}, bundle="KIT")


def test_reorder_suggests_cover_for_lead_time_and_nothing_above_the_reorder_point() -> None:
    args = dict(
        sku_id=1,
        warehouse_id=1,
        reorder_point=10,
        safety_stock=5,
        on_order=4,
        sold_in_window=60,
        window_days=30,
        lead_time_days=7,
        cover_days=14,
    )
    suggestion = suggest_reorder(available=8, **args)  # type: ignore[arg-type]
    assert suggestion is not None
    assert suggestion.daily_velocity == Decimal("2.00")
    assert suggestion.suggested == 2 * 21 + 5 - 8 - 4
    assert suggest_reorder(available=11, **args) is None  # type: ignore[arg-type]


def test_review_rules_name_each_rule_an_order_trips() -> None:
    policy = AllocationPolicy(review_over_amount=Decimal("500"))
    facts = ReviewFacts(Decimal("750"), "Bad@Example.com", "")
    reasons = review_reasons(facts, policy, ["bad@example.com"])
    assert [r.split(" ")[0] for r in reasons] == [
        "total_over_threshold",
        "flagged_customer",
        "address_missing_country",
    ]
    assert review_reasons(ReviewFacts(Decimal("20"), None, "DE"), policy, []) == []


def test_an_unknown_total_cannot_pass_a_review_threshold() -> None:
    policy = AllocationPolicy(review_over_amount=Decimal("500"))
    assert review_reasons(ReviewFacts(None, None, "DE"), policy, []) == [
        "total_unknown (threshold 500)"
    ]
    assert review_reasons(ReviewFacts(None, None, "DE"), AllocationPolicy(), []) == []
