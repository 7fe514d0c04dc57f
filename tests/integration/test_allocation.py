"""The allocator on real databases: exactly-once reservations, policies, ship/cancel/return."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.orders import OrderStatus
from hub.services import catalog, fulfilment, inventory
from hub.services.allocation import allocate, approve
from tests.integration.alloc_setup import shop

S = OrderStatus
Tenant = Callable[[], UnitOfWork]


def test_allocation_reserves_from_the_preferred_warehouse_and_writes_the_ledger(
    tenant: Tenant,
) -> None:
    s = shop(tenant, {("BER", "TENT"): 5, ("NJ", "TENT"): 5})
    balances = len(inventory.stock_report(tenant()))
    order = s.order([("TENT", 3)])
    result = allocate(tenant(), order)
    assert result.status is S.ALLOCATED
    assert s.reservations(order) == [("BER", "TENT", "", 3)]
    assert s.level("BER", "TENT") == (5, 3)
    assert s.level("NJ", "TENT") == (5, 0)
    assert balances == 2 and s.verify() == []


def test_allocating_the_same_order_again_is_a_no_op_returning_the_same_reservations(
    tenant: Tenant,
) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    order = s.order([("TENT", 2)])
    first = allocate(tenant(), order)
    with tenant() as uow:
        movements = len(uow.movements.list())
    again = allocate(tenant(), order)
    assert again.changed is False
    assert again.reservations == first.reservations
    with tenant() as uow:
        assert len(uow.movements.list()) == movements
    assert s.level("BER", "TENT") == (5, 2)


def test_a_line_splits_across_warehouses_when_splitting_is_allowed(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 2, ("NJ", "TENT"): 5})
    order = s.order([("TENT", 4)])
    assert allocate(tenant(), order).status is S.ALLOCATED
    assert s.reservations(order) == [("BER", "TENT", "", 2), ("NJ", "TENT", "", 2)]


def test_forbidden_split_takes_one_warehouse_that_fills_the_whole_order(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 2, ("NJ", "TENT"): 5, ("BER", "STOVE"): 9}, split="forbid")
    order = s.order([("TENT", 4), ("STOVE", 1)])
    assert allocate(tenant(), order).status is S.ON_HOLD
    # NJ has no stove and BER too few tents: the default shortfall policy rejects.
    status, reason = s.status(order)
    assert status is S.ON_HOLD and reason is not None and "insufficient stock" in reason
    assert s.reservations(order) == []
    order2 = s.order([("TENT", 4)])
    assert allocate(tenant(), order2).status is S.ALLOCATED
    assert s.reservations(order2) == [("NJ", "TENT", "", 4)]


def test_partial_shortfall_backorders_the_rest_and_a_later_allocation_fills_it(
    tenant: Tenant,
) -> None:
    s = shop(tenant, {("BER", "TENT"): 3}, shortfall="partial")
    order = s.order([("TENT", 5)])
    result = allocate(tenant(), order)
    assert result.status is S.PARTIALLY_ALLOCATED
    assert list(result.backorders.values()) == [2]
    assert s.level("BER", "TENT") == (3, 3)  # never negative, never above on_hand
    inventory.adjust_to_count(tenant(), "BER", "TENT", 10, actor="t", reason="delivery")
    again = allocate(tenant(), order)
    assert again.status is S.ALLOCATED and again.backorders == {}
    assert s.reservations(order) == [("BER", "TENT", "", 5)]
    assert s.verify() == []


def test_backorder_all_reserves_nothing_until_the_whole_order_fits(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 3}, shortfall="backorder_all")
    order = s.order([("TENT", 5)])
    result = allocate(tenant(), order)
    assert result.status is S.BACKORDERED and result.reservations == []
    assert s.level("BER", "TENT") == (3, 0)


def test_quantity_changes_reserve_or_release_only_the_difference(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 10})
    order = s.order([("TENT", 2), ("TENT", 1)])
    allocate(tenant(), order)
    first, second = s.line_ids(order)
    with tenant() as uow:
        loaded = uow.orders.get(order)
        loaded.lines[0].quantity = 5
        uow.commit()
    allocate(tenant(), order)
    assert s.level("BER", "TENT") == (10, 6)
    with tenant() as uow:
        uow.orders.get(order).lines[0].quantity = 1
        uow.commit()
    allocate(tenant(), order)
    assert s.level("BER", "TENT") == (10, 2)
    fulfilment.release_lines(tenant(), order, [second], actor="t")
    with tenant() as uow:
        loaded = uow.orders.get(order)
        loaded.lines.remove(loaded.lines[1])
        uow.commit()
    assert allocate(tenant(), order).status is S.ALLOCATED
    assert s.level("BER", "TENT") == (10, 1) and s.line_ids(order) == [first]
    assert s.verify() == []


def test_duplicate_skus_in_one_order_never_count_the_same_units_twice(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 3}, shortfall="partial", warehouses=("BER",))
    order = s.order([("TENT", 2), ("TENT", 2)])
    result = allocate(tenant(), order)
    assert sum(r.quantity for r in result.reservations) == 3
    assert s.level("BER", "TENT") == (3, 3)


def test_cancel_releases_and_ship_commits_from_the_reservation_rows(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 2, ("NJ", "TENT"): 5})
    cancelled = s.order([("TENT", 3)])
    allocate(tenant(), cancelled)
    assert fulfilment.cancel(tenant(), cancelled, actor="t") is S.CANCELLED
    assert s.level("BER", "TENT") == (2, 0) and s.level("NJ", "TENT") == (5, 0)
    order = s.order([("TENT", 3)])
    allocate(tenant(), order)
    # Stock moves between allocation and shipping: ship still uses the reserved rows.
    inventory.adjust_to_count(tenant(), "NJ", "TENT", 9, actor="t", reason="found more")
    (line,) = s.line_ids(order)
    assert fulfilment.ship(tenant(), order, actor="t", quantities={line: 1}) is S.PARTIALLY_SHIPPED
    assert fulfilment.ship(tenant(), order, actor="t") is S.SHIPPED
    assert s.level("BER", "TENT") == (0, 0) and s.level("NJ", "TENT") == (8, 0)
    assert s.reservations(order) == []
    with tenant() as uow:
        refs = {m.reference for m in uow.movements.list() if m.kind.value == "shipment"}
    assert refs and all(r is not None and r.startswith("reservation:") for r in refs)
    fulfilment.return_items(tenant(), order, line, 2, "NJ", actor="t")
    assert s.level("NJ", "TENT") == (10, 0)
    with pytest.raises(InvalidValue, match="quantity"):
        fulfilment.return_items(tenant(), order, line, 2, "NJ", actor="t")
    assert s.verify() == []


def test_lots_allocate_first_expiry_first_out_and_never_from_expired_lots(tenant: Tenant) -> None:
    s = shop(tenant, {}, lot_tracked=("GAS",), warehouses=("BER",), shortfall="partial")
    today = date(2026, 11, 22)
    for code, expires in (
        ("OLD", today - timedelta(days=1)),
        ("SOON", today + timedelta(days=5)),
        ("LATE", today + timedelta(days=90)),
    ):
        catalog.create_lot(tenant(), "GAS", code, expires)
        inventory.return_to_stock(tenant(), "BER", "GAS", 4, actor="t", reason="seed", lot=code)
    order = s.order([("GAS", 6)])
    allocate(tenant(), order, today=today)
    assert s.reservations(order) == [("BER", "GAS", "LATE", 2), ("BER", "GAS", "SOON", 4)]
    assert s.level("BER", "GAS", "OLD") == (4, 0)


def test_marketplace_fulfilled_warehouses_are_never_allocated(tenant: Tenant) -> None:
    s = shop(
        tenant,
        {("FBA", "TENT"): 50, ("NJ", "TENT"): 1},
        warehouses=("FBA", "NJ"),
        shortfall="partial",
    )
    order = s.order([("TENT", 3)])
    result = allocate(tenant(), order)
    assert s.reservations(order) == [("NJ", "TENT", "", 1)]
    assert result.status is S.PARTIALLY_ALLOCATED and s.level("FBA", "TENT") == (50, 0)


def test_nearest_strategy_serves_from_the_ship_to_country(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5, ("NJ", "TENT"): 5}, strategy="nearest")
    order = s.order([("TENT", 1)], country="US")
    allocate(tenant(), order)
    assert s.reservations(order) == [("NJ", "TENT", "", 1)]


def test_hold_rules_hold_orders_and_approve_allocates_them(tenant: Tenant) -> None:
    from decimal import Decimal

    from hub.services.stock_policy import flag_customer

    s = shop(tenant, {("BER", "TENT"): 5}, review_over_amount=Decimal("100"))
    flag_customer(tenant(), "fraud@example.com", "chargebacks")
    big = s.order([("TENT", 2)], status=S.PENDING_REVIEW, price="80")
    flagged = s.order([("TENT", 1)], status=S.PENDING_REVIEW, email="fraud@example.com")
    nowhere = s.order([("TENT", 1)], status=S.PENDING_REVIEW, country="")
    fine = s.order([("TENT", 1)], status=S.PENDING_REVIEW)
    for order, rule in (
        (big, "total_over_threshold"),
        (flagged, "flagged_customer"),
        (nowhere, "address_missing_country"),
    ):
        assert allocate(tenant(), order).status is S.ON_HOLD
        status, reason = s.status(order)
        assert status is S.ON_HOLD and reason is not None and rule in reason
        assert s.reservations(order) == []
    assert allocate(tenant(), fine).status is S.ALLOCATED
    assert approve(tenant(), big, actor="ops").status is S.ALLOCATED
    assert s.reservations(big) == [("BER", "TENT", "", 2)]


@pytest.mark.parametrize("bad", ["unmapped", "shipped", "cancelled"])
def test_orders_that_cannot_allocate_are_refused_with_nothing_reserved(
    tenant: Tenant, bad: str
) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    if bad == "unmapped":
        order = s.order([("TENT", 1), (None, 1)], external_id="W-77")
        match = r"order W-77 line L2: sku_id"
    else:
        order = s.order([("TENT", 1)], status=S(bad), external_id="W-78")
        match = "order W-78: status"
    with pytest.raises(InvalidValue, match=match):
        allocate(tenant(), order)
    assert s.level("BER", "TENT") == (5, 0) and s.reservations(order) == []


def test_unknown_order_and_channel_without_warehouses_are_refused(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5}, warehouses=())
    with pytest.raises(NotFound, match="order"):
        allocate(tenant(), 999_999)
    order = s.order([("TENT", 1)], external_id="W-9")
    with pytest.raises(InvalidValue, match=r"order W-9 channel .* warehouses"):
        allocate(tenant(), order)


def test_ship_refuses_more_than_reserved_naming_the_line(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    order = s.order([("TENT", 2)], external_id="W-5")
    allocate(tenant(), order)
    (line,) = s.line_ids(order)
    for qty in (3, -1):
        with pytest.raises(InvalidValue, match="order W-5 line L1: quantity"):
            fulfilment.ship(tenant(), order, actor="t", quantities={line: qty})
    assert s.level("BER", "TENT") == (5, 2)


def test_a_batch_allocates_the_good_orders_and_reports_the_bad_one(tenant: Tenant) -> None:
    from hub.services.allocation import AllocationResult, allocate_batch

    s = shop(tenant, {("BER", "TENT"): 5, ("NJ", "STOVE"): 5})
    good = s.order([("TENT", 2), ("STOVE", 1)])
    bad = s.order([("TENT", 1), (None, 1)], external_id="W-13")
    other = s.order([("STOVE", 2)])
    reviewed_bad = s.order([(None, 1)], status=S.PENDING_REVIEW)
    results = allocate_batch(tenant(), [good, bad, other, 424_242, reviewed_bad])
    # It passed review but could not allocate: it stays where it was, nothing written.
    assert isinstance(results[reviewed_bad], InvalidValue)
    assert s.status(reviewed_bad) == (S.PENDING_REVIEW, None)
    assert isinstance(results[good], AllocationResult) and isinstance(
        results[other], AllocationResult
    )
    assert results[good].status is S.ALLOCATED and results[other].status is S.ALLOCATED
    assert isinstance(results[bad], InvalidValue) and "order W-13 line L2" in str(results[bad])
    assert isinstance(results[424_242], NotFound)
    assert s.reservations(bad) == [] and s.status(bad)[0] is S.READY
    assert s.level("BER", "TENT") == (5, 2) and s.level("NJ", "STOVE") == (5, 3)
    assert s.verify() == []
