"""The strategies are pure functions: properties over random snapshots, plus examples."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.allocation import (
    AllocationPolicy,
    Candidate,
    Demand,
    Plan,
    ShipTo,
    ShortfallPolicy,
    SplitPolicy,
    Strategy,
    plan_allocation,
)
from hub.domain.errors import InvalidValue

TODAY = date(2026, 11, 22)


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[list[Demand], list[Candidate], AllocationPolicy, ShipTo]:
    skus = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True))
    warehouses = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4, unique=True))
    candidates = []
    for wh in warehouses:
        country = draw(st.sampled_from(["DE", "US", ""]))
        for sku in skus:
            for lot in draw(st.lists(st.sampled_from(["", "A", "B"]), max_size=2, unique=True)):
                days = draw(st.one_of(st.none(), st.integers(-5, 30)))
                expires = None if days is None else TODAY + timedelta(days=days)
                candidates.append(
                    Candidate(
                        wh,
                        sku,
                        lot,
                        draw(st.integers(0, 8)),
                        warehouses.index(wh),
                        country,
                        "",
                        expires,
                    )
                )
    demands = [
        Demand(line, draw(st.sampled_from(skus)), draw(st.integers(1, 10)))
        for line in range(1, draw(st.integers(1, 4)) + 1)
    ]
    policy = AllocationPolicy(
        strategy=draw(st.sampled_from(list(Strategy))),
        split=draw(st.sampled_from(list(SplitPolicy))),
        shortfall=draw(st.sampled_from(list(ShortfallPolicy))),
    )
    return demands, candidates, policy, ShipTo(draw(st.sampled_from(["DE", "US", ""])))


def _plan(
    demands: list[Demand], candidates: list[Candidate], policy: AllocationPolicy, ship_to: ShipTo
) -> Plan:
    return plan_allocation(demands, candidates, policy, today=TODAY, ship_to=ship_to)


@settings(max_examples=300, deadline=None)
@given(snapshots())
def test_never_reserves_more_than_a_balance_holds_nor_from_expired_lots(snapshot) -> None:  # type: ignore[no-untyped-def]
    demands, candidates, policy, ship_to = snapshot
    plan = _plan(demands, candidates, policy, ship_to)
    by_key = {(c.warehouse_id, c.sku_id, c.lot_code): c for c in candidates}
    taken: dict[tuple[int, int, str], int] = {}
    for pick in plan.picks:
        key = (pick.warehouse_id, pick.sku_id, pick.lot_code)
        taken[key] = taken.get(key, 0) + pick.quantity
        candidate = by_key[key]
        assert candidate.expires_on is None or candidate.expires_on >= TODAY
        assert pick.quantity > 0
    assert all(qty <= by_key[key].free for key, qty in taken.items())
    wanted = {d.line_id: d for d in demands}
    for line, demand in wanted.items():
        assert plan.reserved_for(line) <= demand.quantity
        assert all(p.sku_id == demand.sku_id for p in plan.picks if p.line_id == line)


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.randoms(use_true_random=False))
def test_the_plan_is_deterministic_whatever_the_snapshot_order(
    snapshot, rnd: random.Random
) -> None:  # type: ignore[no-untyped-def]
    demands, candidates, policy, ship_to = snapshot
    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert _plan(demands, candidates, policy, ship_to) == _plan(demands, shuffled, policy, ship_to)


@settings(max_examples=300, deadline=None)
@given(snapshots())
def test_split_and_shortfall_policies_are_respected(snapshot) -> None:  # type: ignore[no-untyped-def]
    demands, candidates, policy, ship_to = snapshot
    plan = _plan(demands, candidates, policy, ship_to)
    if policy.split is SplitPolicy.FORBID:
        assert len({p.warehouse_id for p in plan.picks}) <= 1
    complete = all(plan.reserved_for(d.line_id) == d.quantity for d in demands)
    if policy.shortfall is ShortfallPolicy.REJECT:
        assert complete or (plan.picks == () and plan.rejected is not None)
    elif policy.shortfall is ShortfallPolicy.BACKORDER_ALL:
        assert complete or (
            plan.picks == () and plan.backorders == {d.line_id: d.quantity for d in demands}
        )
    else:
        for d in demands:
            assert plan.reserved_for(d.line_id) + plan.backorders.get(d.line_id, 0) == d.quantity
    if complete:
        assert plan.rejected is None and plan.backorders == {}


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_with_splitting_allowed_every_usable_unit_is_used_before_backordering(snapshot) -> None:  # type: ignore[no-untyped-def]
    demands, candidates, policy, ship_to = snapshot
    policy = AllocationPolicy(policy.strategy, SplitPolicy.ALLOW, ShortfallPolicy.PARTIAL)
    plan = _plan(demands, candidates, policy, ship_to)
    for sku in {d.sku_id for d in demands}:
        usable = sum(
            c.free
            for c in candidates
            if c.sku_id == sku and (c.expires_on is None or c.expires_on >= TODAY)
        )
        wanted = sum(d.quantity for d in demands if d.sku_id == sku)
        assert sum(p.quantity for p in plan.picks if p.sku_id == sku) == min(usable, wanted)


def _c(
    wh: int,
    free: int,
    rank: int,
    country: str = "",
    sku: int = 1,
    lot: str = "",
    expires: date | None = None,
) -> Candidate:
    return Candidate(wh, sku, lot, free, rank, country, "", expires)


def _where(plan: Plan) -> list[tuple[int, str, int]]:
    return [(p.warehouse_id, p.lot_code, p.quantity) for p in plan.picks]


def test_priority_follows_the_channel_order_then_splits() -> None:
    plan = plan_allocation(
        [Demand(1, 1, 5)], [_c(7, 3, 0), _c(2, 9, 1)], AllocationPolicy(), today=TODAY
    )
    assert _where(plan) == [(7, "", 3), (2, "", 2)]


def test_most_stock_takes_the_fullest_warehouse_and_ties_break_on_warehouse_id() -> None:
    policy = AllocationPolicy(strategy=Strategy.MOST_STOCK)
    plan = plan_allocation([Demand(1, 1, 2)], [_c(3, 4, 0), _c(9, 8, 1)], policy, today=TODAY)
    assert _where(plan) == [(9, "", 2)]
    tie = plan_allocation([Demand(1, 1, 2)], [_c(9, 4, 0), _c(3, 4, 0)], policy, today=TODAY)
    assert _where(tie) == [(3, "", 2)]


def test_nearest_prefers_same_country_then_channel_order() -> None:
    policy = AllocationPolicy(strategy=Strategy.NEAREST)
    candidates = [_c(1, 5, 0, "DE"), _c(2, 5, 1, "US")]
    plan = plan_allocation([Demand(1, 1, 2)], candidates, policy, today=TODAY, ship_to=ShipTo("US"))
    assert _where(plan) == [(2, "", 2)]


def test_fewest_splits_prefers_one_warehouse_that_fills_every_line() -> None:
    candidates = [_c(1, 5, 0, sku=1), _c(1, 0, 0, sku=2), _c(2, 5, 1, sku=1), _c(2, 5, 1, sku=2)]
    demands = [Demand(1, 1, 2), Demand(2, 2, 1)]
    split = plan_allocation(demands, candidates, AllocationPolicy(), today=TODAY)
    assert {p.warehouse_id for p in split.picks} == {1, 2}
    one = plan_allocation(
        demands, candidates, AllocationPolicy(strategy=Strategy.FEWEST_SPLITS), today=TODAY
    )
    assert {p.warehouse_id for p in one.picks} == {2}


def test_lots_go_first_expiry_first_out_and_expired_lots_are_skipped() -> None:
    soon, late, gone = TODAY + timedelta(days=2), TODAY + timedelta(days=50), TODAY - timedelta(1)
    candidates = [
        _c(1, 5, 0, lot="L", expires=late),
        _c(1, 1, 0, lot="S", expires=soon),
        _c(1, 9, 0, lot="X", expires=gone),
        _c(1, 5, 0, lot="N"),
    ]
    plan = plan_allocation([Demand(1, 1, 8)], candidates, AllocationPolicy(), today=TODAY)
    assert _where(plan) == [(1, "S", 1), (1, "L", 5), (1, "N", 2)]


def test_a_demand_of_zero_units_is_refused_naming_the_line() -> None:
    with pytest.raises(InvalidValue, match="order line #4"):
        plan_allocation([Demand(4, 1, 0)], [], AllocationPolicy(), today=TODAY)


def test_policy_values_are_validated() -> None:
    from decimal import Decimal

    with pytest.raises(InvalidValue, match="share"):
        AllocationPolicy(share=Decimal("1.5"))
    with pytest.raises(InvalidValue, match="buffer"):
        AllocationPolicy(buffer=-1)


def _bundle_line() -> list[Demand]:
    # one line of 3 bundles, each 1 x SKU 1 + 4 x SKU 2
    return [Demand(1, 1, 3, per_unit=1), Demand(1, 2, 12, per_unit=4)]


def test_a_bundle_line_is_short_in_whole_bundles_and_keeps_only_complete_sets() -> None:
    candidates = [Candidate(10, 1, "", 5), Candidate(10, 2, "", 6)]
    partial = AllocationPolicy(shortfall=ShortfallPolicy.PARTIAL)
    plan = plan_allocation(_bundle_line(), candidates, partial, today=TODAY)
    assert plan.backorders == {1: 2}
    assert sorted((p.sku_id, p.quantity) for p in plan.picks) == [(1, 1), (2, 4)]
    rejected = plan_allocation(_bundle_line(), candidates, AllocationPolicy(), today=TODAY)
    assert rejected.picks == () and rejected.rejected == "insufficient stock: line #1 short 2"
    every = AllocationPolicy(shortfall=ShortfallPolicy.BACKORDER_ALL)
    assert plan_allocation(_bundle_line(), candidates, every, today=TODAY).backorders == {1: 3}


def test_a_bundle_line_that_fits_takes_every_component_in_full() -> None:
    candidates = [Candidate(10, 1, "", 5), Candidate(10, 2, "", 6), Candidate(20, 2, "", 6)]
    plan = plan_allocation(_bundle_line(), candidates, AllocationPolicy(), today=TODAY)
    assert plan.backorders == {} and plan.rejected is None
    assert sorted((p.warehouse_id, p.sku_id, p.quantity) for p in plan.picks) == [
        (10, 1, 3),
        (10, 2, 6),
        (20, 2, 6),
    ]


def _nearest(ship_to: ShipTo) -> list[tuple[int, str, int]]:
    """Warehouses 1 Berlin (DE-BE), 2 Hoboken (US-NJ), 3 Los Angeles (US-CA), 4 Lyon (FR);
    Berlin first in the channel's order."""
    candidates = [
        Candidate(1, 1, "", 5, 0, "DE", "DE-BE"),
        Candidate(2, 1, "", 5, 2, "US", "NJ"),  # a short code, as older warehouses hold
        Candidate(3, 1, "", 5, 1, "US", "US-CA"),
        Candidate(4, 1, "", 5, 3, "FR", "FR-ARA"),
    ]
    policy = AllocationPolicy(strategy=Strategy.NEAREST)
    return _where(plan_allocation([Demand(1, 1, 1)], candidates, policy, today=TODAY,
                                  ship_to=ship_to))  # fmt: skip


def test_nearest_serves_a_new_jersey_order_from_new_jersey() -> None:
    assert _nearest(ShipTo("US", "US-NJ")) == [(2, "", 1)]


def test_nearest_serves_another_state_from_the_country_in_channel_order() -> None:
    assert _nearest(ShipTo("US", "US-TX")) == [(3, "", 1)]


def test_nearest_serves_canada_from_the_us_and_an_eu_country_from_europe() -> None:
    assert _nearest(ShipTo("CA", "CA-ON")) == [(3, "", 1)]  # Northern America
    assert _nearest(ShipTo("FR", "")) == [(4, "", 1)]
    assert _nearest(ShipTo("AT", "")) == [(1, "", 1)]  # Western Europe: Berlin before Lyon


def test_nearest_without_a_country_keeps_the_channel_order() -> None:
    assert _nearest(ShipTo("", "")) == [(1, "", 1)]
