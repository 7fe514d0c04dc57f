"""Review rules run on every order entering an allocatable state, whichever state it
arrived in and whichever path brought it there; an operator's release of a rule is for
good, and the other rules run again (docs/allocation.md, "Order review")."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db.tables_order_rules import order_rule_states
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.orders import OrderStatus
from hub.services import inbox, ingest
from hub.services.allocation import allocate, allocate_batch, approve
from hub.services.fulfilment import release
from hub.services.stock_policy import flag_customer, set_policy
from hub.services.webhooks import receive
from tests.conftest import Database
from tests.fakes.memshop import DELIVERY_HEADER, SIGNATURE_HEADER, sign, woo_order
from tests.integration.alloc_setup import Shop, shop
from tests.integration.sync_setup import SECRET, SyncShop, sync_shop

S = OrderStatus
Tenant = Callable[[], UnitOfWork]


def _rules(s: Shop, order_id: int) -> dict[str, tuple[str, str | None]]:
    c = order_rule_states.c
    with s.uow() as uow:
        rows = uow.session.execute(
            select(c.rule, c.state, c.actor).where(c.order_id == order_id)
        ).all()
    return {r.rule: (r.state, r.actor) for r in rows}


def _poll(s: SyncShop, *orders: dict[str, object]) -> None:
    records = [
        RawRecord("order", str(o["id"]), parse_utc(o["date_modified_gmt"]), o) for o in orders
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, "poll")
        uow.commit()
    s.dispatcher.process_inbox(s.tenant_id, ids)


def _webhook(s: SyncShop, order: dict[str, object], delivery: str) -> None:
    body = json.dumps(order).encode()
    headers = {SIGNATURE_HEADER: sign(SECRET, body), DELIVERY_HEADER: delivery}
    outcome = receive(s.ctx, s.channel_id, headers, body)
    for inbox_id in outcome.inbox_ids:  # the record-at-a-time path (ingest.process)
        ingest.process(s.ctx, outcome.tenant_id, inbox_id)


def test_a_paid_order_arriving_ready_is_reviewed_before_any_stock_is_reserved(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    flag_customer(tenant(), "Fraud@Example.com", "chargebacks")
    paid = woo_order(1, "2026-11-01T10:00:00", [("SKU-A", 2)], email="fraud@example.com")
    fine = woo_order(2, "2026-11-01T10:00:00", [("SKU-A", 1)])
    _poll(s, paid, fine)  # one page: stored together, allocated by allocate_batch
    held = s.order_id("1")
    assert s.shop.status(held) == (S.ON_HOLD, "review: flagged_customer (fraud@example.com)")
    assert s.shop.reservations(held) == []
    assert _rules(s.shop, held) == {"flagged_customer": ("held", None)}
    assert s.shop.status(s.order_id("2"))[0] is S.ALLOCATED
    assert s.shop.level("BER", "SKU-A") == (10, 1)
    # The same order by webhook again (record-at-a-time path) changes nothing.
    _webhook(s, paid, "d-1")
    assert s.shop.status(held)[0] is S.ON_HOLD and s.shop.reservations(held) == []
    assert s.shop.verify() == []


def test_an_unpaid_order_that_gets_paid_is_reviewed_when_it_becomes_ready(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    set_policy(tenant(), "web", review_over_amount=Decimal("50"))
    lines = [("SKU-A", 3)]
    unpaid = woo_order(3, "2026-11-01T10:00:00", lines, status="pending", price="20.00")
    _webhook(s, unpaid, "d-1")
    order_id = s.order_id("3")
    assert s.shop.status(order_id)[0] is S.PENDING_REVIEW  # waits for its money
    paid = woo_order(3, "2026-11-01T11:00:00", lines, status="processing", price="20.00")
    _webhook(s, paid, "d-2")
    assert s.shop.status(order_id) == (S.ON_HOLD, "review: total_over_threshold (60.00 > 50)")
    assert s.shop.reservations(order_id) == []
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    result = approve(tenant(), order_id, actor="ops")
    assert result.status is S.ALLOCATED
    assert s.shop.reservations(order_id) == [("BER", "SKU-A", "", 3)]
    assert _rules(s.shop, order_id) == {"total_over_threshold": ("released", "ops")}


@pytest.mark.parametrize("arrived", [S.READY, S.PENDING_REVIEW])
def test_each_rule_holds_the_order_with_its_reason_whatever_state_it_arrived_in(
    tenant: Tenant, arrived: OrderStatus
) -> None:
    s = shop(tenant, {("BER", "TENT"): 5}, review_over_amount=Decimal("100"))
    flag_customer(tenant(), "fraud@example.com", "chargebacks")
    cases = {
        "total_over_threshold (160.00 > 100)": s.order([("TENT", 2)], status=arrived, price="80"),
        "flagged_customer (fraud@example.com)": s.order(
            [("TENT", 1)], status=arrived, email="fraud@example.com"
        ),
        "address_missing_country": s.order([("TENT", 1)], status=arrived, country=""),
    }
    fine = s.order([("TENT", 1)], status=arrived)
    for reason, order in cases.items():
        result = allocate(tenant(), order)
        assert (result.status, result.reason) == (S.ON_HOLD, f"review: {reason}")
        assert s.status(order) == (S.ON_HOLD, f"review: {reason}")
        assert s.reservations(order) == []
    assert allocate(tenant(), fine).status is S.ALLOCATED
    assert s.level("BER", "TENT") == (5, 1)


def test_a_release_is_for_good_and_the_other_rules_run_again(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    flag_customer(tenant(), "fraud@example.com", "chargebacks")
    order = s.order([("TENT", 2)], email="fraud@example.com", price="80")
    assert allocate(tenant(), order).reason == "review: flagged_customer (fraud@example.com)"
    # While it waited, the channel started reviewing large orders.
    set_policy(tenant(), "web", review_over_amount=Decimal("100"))
    again = approve(tenant(), order, actor="ops")
    assert (again.status, again.reason) == (
        S.ON_HOLD,
        "review: total_over_threshold (160.00 > 100)",
    )
    assert s.reservations(order) == []
    assert _rules(s, order) == {
        "flagged_customer": ("released", "ops"),
        "total_over_threshold": ("held", None),
    }
    done = approve(tenant(), order, actor="lead")
    assert done.status is S.ALLOCATED  # flagged_customer stays released: not asked again
    assert s.reservations(order) == [("BER", "TENT", "", 2)]
    assert _rules(s, order) == {
        "flagged_customer": ("released", "ops"),
        "total_over_threshold": ("released", "lead"),
    }


def test_releasing_one_named_rule_leaves_the_others_holding(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    flag_customer(tenant(), "fraud@example.com", "chargebacks")
    order = s.order([("TENT", 1)], email="fraud@example.com", country="")
    assert allocate(tenant(), order).reason == (
        "review: flagged_customer (fraud@example.com); address_missing_country"
    )
    with pytest.raises(InvalidValue, match=r"total_unknown.*does not hold the order"):
        approve(tenant(), order, actor="ops", rules=["total_unknown"])
    partial = approve(tenant(), order, actor="ops", rules=["flagged_customer"])
    assert (partial.status, partial.reason) == (S.ON_HOLD, "review: address_missing_country")
    assert s.reservations(order) == []
    assert approve(tenant(), order, actor="ops").status is S.ALLOCATED


def test_a_batch_holds_only_the_orders_a_rule_fires_for(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    flag_customer(tenant(), "fraud@example.com", "chargebacks")
    held = s.order([("TENT", 1)], email="fraud@example.com")
    fine = s.order([("TENT", 1)], email="ann@example.com")
    results = allocate_batch(tenant(), [held, fine])
    assert results[held].status is S.ON_HOLD  # type: ignore[union-attr]
    assert results[fine].status is S.ALLOCATED  # type: ignore[union-attr]
    assert s.level("BER", "TENT") == (5, 1)


def test_an_order_whose_update_sends_it_back_to_ready_is_reviewed_again(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 5})
    order = s.order([("TENT", 1)], email="ann@example.com")
    assert allocate(tenant(), order).status is S.ALLOCATED
    flag_customer(tenant(), "ann@example.com", "chargebacks")
    assert allocate(tenant(), order).changed is False  # allocated: it passed when it left READY
    release(tenant(), order, actor="ops")  # e.g. an update that must be allocated again
    assert s.status(order)[0] is S.READY
    assert allocate(tenant(), order).status is S.ON_HOLD
    assert s.reservations(order) == [] and s.level("BER", "TENT") == (5, 0)
