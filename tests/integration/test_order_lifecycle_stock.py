"""An order's later life reaches stock: payments, refunds, shipments, cancellations and
edits from platform updates (Shopify REST payloads through the real mapper), each applied
once whatever order the updates arrive in, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.tables_allocation import outbox_events
from hub.db.tables_lifecycle import order_restocks
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.orders import OrderStatus
from hub.services import catalog, fulfilment, inbox, ingest
from hub.services.channel_locations import link_location
from hub.services.stock_statuses import set_stock_rule
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.lifecycle_payloads import refund, shopify_order
from tests.integration.sync_setup import SyncShop, sync_shop

S = OrderStatus
NJ_LOCATION = "655441491"
BER_LOCATION = "655441000"


def _shop(db: Database, tenant: Callable[[], UnitOfWork], *, link: bool = True) -> SyncShop:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10, ("NJ", "SKU-A"): 5, ("BER", "SKU-B"): 4})
    with s.ctx.uow(s.tenant_id) as uow:
        uow.session.execute(
            update(t.channels).where(t.channels.c.id == s.channel_id).values(platform="shopify")
        )
        uow.commit()
    if link:
        link_location(s.ctx, s.tenant_id, "web", NJ_LOCATION, "NJ")
        link_location(s.ctx, s.tenant_id, "web", BER_LOCATION, "BER")
    return s


def _another_tenant(db: Database) -> Callable[[], UnitOfWork]:
    created = catalog.create_tenant(db.uow(), f"t-{uuid.uuid4().hex[:12]}", "Second tenant")
    assert created.id is not None
    tenant_id = created.id
    return lambda: db.uow(tenant_id)


def _deliver(s: SyncShop, *payloads: dict[str, Any]) -> list[str]:
    """Each payload as its own delivery; a byte-identical redelivery is archived once
    (the inbox's dedup), so it adds no result."""
    results = []
    for p in payloads:
        record = RawRecord("order", str(p["id"]), parse_utc(p["updated_at"]), p)
        with s.ctx.uow(s.tenant_id) as uow:
            ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, [record], "webhook")
            uow.commit()
        results += [o.result for o in ingest.process_many(s.ctx, s.tenant_id, ids)]
    return results


def _events(s: SyncShop, order_id: int) -> list[str]:
    o = outbox_events.c
    with s.ctx.uow(s.tenant_id) as uow:
        rows = uow.session.execute(
            select(o.payload)
            .where(o.tenant_id == s.tenant_id, o.topic == "order.changed")
            .order_by(o.id)
        ).scalars()
        return [p["change"] for p in rows if p["order_id"] == order_id]


def _errors(s: SyncShop) -> list[Any]:
    with s.ctx.uow(s.tenant_id) as uow:
        return inbox.list_errors(uow.session, s.tenant_id)


def _line(s: SyncShop, order_id: int) -> int:
    return s.shop.line_ids(order_id)[0]


def test_a_late_payment_stores_the_payment_and_allocates_the_order_once(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    unpaid = shopify_order(1, "2026-11-01T09:00:00Z", [(11, "SKU-A", 2)],
                           financial_status="pending", paid=False)  # fmt: skip
    assert _deliver(s, unpaid) == ["created"]
    order_id = s.order_id("1")
    assert s.shop.status(order_id)[0] is S.PENDING_REVIEW
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    paid = shopify_order(1, "2026-11-01T10:00:00Z", [(11, "SKU-A", 2)])
    assert _deliver(s, paid, paid) == ["updated"]
    assert s.shop.status(order_id)[0] is S.ALLOCATED
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    assert s.count(t.payments, order_id=order_id) == 1
    assert _events(s, order_id) == ["payment"]
    assert s.shop.verify() == []


def test_a_platform_shipment_takes_stock_out_once_and_the_echo_of_our_own_changes_nothing(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 3), (12, "SKU-B", 1)]
    _deliver(s, shopify_order(2, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("2")
    a_line, b_line = s.shop.line_ids(order_id)
    # A 3PL ships two of SKU-A on the platform.
    _deliver(s, shopify_order(2, "2026-11-01T10:00:00Z", lines, shipped={11: 2}))
    assert s.shop.level("BER", "SKU-A") == (8, 1)
    assert s.shop.status(order_id)[0] is S.PARTIALLY_SHIPPED
    # The hub ships the rest itself; the platform then echoes every shipment back.
    fulfilment.ship(s.shop.uow(), order_id, actor="test", quantities={a_line: 1, b_line: 1})
    assert s.shop.level("BER", "SKU-A") == (7, 0)
    echo = shopify_order(2, "2026-11-01T11:00:00Z", lines, shipped={11: 3, 12: 1})
    assert _deliver(s, echo, echo) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (7, 0)
    assert s.shop.level("BER", "SKU-B") == (3, 0)
    assert s.shop.status(order_id)[0] is S.SHIPPED
    assert _events(s, order_id) == ["shipment"]  # the echo found nothing new
    assert s.shop.verify() == []


def test_a_late_partial_refund_with_restock_puts_stock_back_in_the_named_warehouse(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 3)]
    _deliver(s, shopify_order(3, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("3")
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert s.shop.level("BER", "SKU-A") == (7, 0)
    refunded = shopify_order(
        3, "2026-11-02T09:00:00Z", lines, shipped={11: 3}, financial_status="partially_refunded",
        refunds=[refund(801, "2026-11-02T08:00:00Z", [(11, 1)], location_id=int(NJ_LOCATION))],
    )  # fmt: skip
    assert _deliver(s, refunded) == ["updated"]
    assert s.shop.level("NJ", "SKU-A") == (6, 0)  # back where the platform put it
    assert s.shop.level("BER", "SKU-A") == (7, 0)
    assert s.count(t.refunds, order_id=order_id) == 1
    later = dict(refunded, updated_at="2026-11-02T10:00:00Z")
    assert _deliver(s, refunded, later) == ["updated"]
    assert s.shop.level("NJ", "SKU-A") == (6, 0)
    assert s.count(t.refunds, order_id=order_id) == 1
    assert "refund" in _events(s, order_id)
    assert _events(s, order_id).count("refund") == 1
    assert s.shop.verify() == []


def test_a_refund_before_shipment_releases_the_reservation_instead_of_adding_stock(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 3)]
    _deliver(s, shopify_order(4, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("4")
    assert s.shop.level("BER", "SKU-A") == (10, 3)
    refunded = shopify_order(
        4, "2026-11-01T10:00:00Z", lines, financial_status="partially_refunded",
        refunds=[refund(802, "2026-11-01T09:30:00Z", [(11, 1)], restock_type="cancel")],
    )  # fmt: skip
    _deliver(s, refunded)
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    assert s.shop.level("NJ", "SKU-A") == (5, 0)
    assert s.shop.status(order_id)[0] is S.ALLOCATED
    # The allocator never takes the refunded unit again; the rest ships whole.
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert s.shop.level("BER", "SKU-A") == (8, 0)
    assert s.shop.status(order_id)[0] is S.SHIPPED
    assert s.shop.verify() == []


def test_a_cancellation_before_capture_releases_the_reservations(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 2)]
    authorized = shopify_order(5, "2026-11-01T09:00:00Z", lines,
                               financial_status="authorized", paid=False)  # fmt: skip
    _deliver(s, authorized)
    order_id = s.order_id("5")
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    voided = shopify_order(5, "2026-11-01T10:00:00Z", lines, financial_status="voided",
                           paid=False, cancelled=True)  # fmt: skip
    assert _deliver(s, voided, voided, authorized) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert s.shop.status(order_id)[0] is S.CANCELLED
    assert _events(s, order_id) == ["payment", "cancellation"]
    assert s.shop.verify() == []


def test_a_line_removed_on_the_platform_is_released_and_a_raised_quantity_reserved(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    _deliver(s, shopify_order(6, "2026-11-01T09:00:00Z", [(11, "SKU-A", 2), (12, "SKU-B", 2)]))
    order_id = s.order_id("6")
    assert s.shop.level("BER", "SKU-B") == (4, 2)
    _deliver(s, shopify_order(6, "2026-11-01T10:00:00Z", [(11, "SKU-A", 4)]))
    assert s.shop.level("BER", "SKU-B") == (4, 0)
    assert s.shop.level("BER", "SKU-A") == (10, 4)
    assert _events(s, order_id) == ["lines"]
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert s.shop.status(order_id)[0] is S.SHIPPED
    assert s.shop.verify() == []


def test_the_same_updates_twice_and_out_of_order_end_where_they_end_in_order(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    lines = [(11, "SKU-A", 3)]
    versions = [
        shopify_order(7, "2026-11-01T09:00:00Z", lines),
        shopify_order(7, "2026-11-01T10:00:00Z", lines, shipped={11: 2}),
        shopify_order(
            7, "2026-11-01T11:00:00Z", lines, shipped={11: 2},
            financial_status="partially_refunded",
            refunds=[refund(803, "2026-11-01T10:30:00Z", [(11, 1)], location_id=int(NJ_LOCATION))],
        ),
    ]  # fmt: skip
    results = []
    for order, factory in (([0, 1, 2], tenant), ([0, 2, 1, 2, 0, 1], _another_tenant(db))):
        s = _shop(db, factory)
        _deliver(s, *[versions[i] for i in order])
        order_id = s.order_id("7")
        results.append(
            (
                s.shop.level("BER", "SKU-A"),
                s.shop.level("NJ", "SKU-A"),
                s.shop.status(order_id)[0],
                s.count(t.refunds, order_id=order_id),
                sorted(_events(s, order_id)),
            )
        )
        assert s.shop.verify() == []
    in_order, shuffled = results
    # Two shipped; the refunded unit had not shipped: released, never restocked.
    assert in_order[:3] == ((8, 0), (5, 0), S.SHIPPED)
    assert shuffled[:4] == in_order[:4]


def test_a_refund_of_more_than_was_paid_is_held_and_nothing_of_the_update_applies(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 2)]
    _deliver(s, shopify_order(8, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("8")
    bad = shopify_order(
        8, "2026-11-01T10:00:00Z", lines, shipped={11: 2}, financial_status="refunded",
        refunds=[refund(804, "2026-11-01T09:30:00Z", [(11, 1)], amount="50.00")],
    )  # fmt: skip
    assert _deliver(s, bad) == ["failed"]
    (error,) = _errors(s)
    assert "order 8" in error.record and "refund 804" in error.record
    assert "more than the 20.00 EUR paid" in error.reason
    assert s.shop.level("BER", "SKU-A") == (10, 2)  # the shipment in it was not applied
    assert s.count(t.refunds, order_id=order_id) == 0
    assert _events(s, order_id) == []
    assert s.shop.verify() == []


def test_more_units_refunded_than_ordered_name_the_order_and_line(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 2)]
    _deliver(s, shopify_order(9, "2026-11-01T09:00:00Z", lines))
    bad = shopify_order(
        9, "2026-11-01T10:00:00Z", lines, financial_status="partially_refunded",
        refunds=[refund(805, "2026-11-01T09:30:00Z", [(11, 3)], amount="10.00")],
    )  # fmt: skip
    assert _deliver(s, bad) == ["failed"]
    (error,) = _errors(s)
    assert "order 9 line 11" in error.record
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    assert s.shop.verify() == []


def test_a_restock_into_an_unknown_location_is_held_until_the_location_is_linked(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 2)]
    _deliver(s, shopify_order(10, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("10")
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    refunded = shopify_order(
        10, "2026-11-02T09:00:00Z", lines, shipped={11: 2}, financial_status="partially_refunded",
        refunds=[refund(806, "2026-11-02T08:00:00Z", [(11, 1)], location_id=999)],
    )  # fmt: skip
    assert _deliver(s, refunded) == ["updated"]
    (error,) = _errors(s)
    assert error.stage == "restock"
    assert "order 10 line 11" in error.record and "refund 806" in error.record
    assert "restock unknown: location 999" in error.reason
    assert s.shop.level("BER", "SKU-A") == (8, 0)
    assert s.count(t.refunds, order_id=order_id) == 1  # the money side is not held
    assert s.shop.verify() == []
    assert link_location(s.ctx, s.tenant_id, "web", "999", "BER") == 1
    assert s.shop.level("BER", "SKU-A") == (9, 0)
    assert _errors(s) == []
    assert s.count(order_restocks, order_id=order_id, status="done") == 1
    assert link_location(s.ctx, s.tenant_id, "web", "999", "BER") == 0  # once
    assert s.shop.level("BER", "SKU-A") == (9, 0)
    assert s.shop.verify() == []


def test_an_update_for_an_unknown_order_lacking_lines_is_refused_not_half_created(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    partial = shopify_order(11, "2026-11-01T10:00:00Z", [(11, "SKU-A", 1)], cancelled=True)
    del partial["line_items"]  # e.g. a trimmed webhook body: no lines to make an order of
    assert _deliver(s, partial) == ["failed"]
    (error,) = _errors(s)
    assert "line_items" in error.field
    assert s.count(t.orders) == 0
    assert s.shop.verify() == []


def test_a_woocommerce_on_hold_order_holds_stock_and_ships_only_once_released(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})  # a WooCommerce channel
    on_hold = woo_order(40, "2026-11-01T10:00:00", [("SKU-A", 2)], status="on-hold")
    assert _deliver_woo(s, on_hold) == ["created"]
    order_id = s.order_id("40")
    assert s.shop.level("BER", "SKU-A") == (10, 2)  # held like WooCommerce holds it
    with pytest.raises(InvalidValue) as refused:
        fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert "may not ship yet" in str(refused.value) and "order 40" in str(refused.value)
    paid = woo_order(40, "2026-11-02T10:00:00", [("SKU-A", 2)])
    assert _deliver_woo(s, paid) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (10, 2)  # the same reservation, not a second
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert s.shop.level("BER", "SKU-A") == (8, 0)
    assert s.shop.verify() == []


def test_an_on_hold_order_cancelled_on_the_platform_gives_its_stock_back(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    _deliver_woo(s, woo_order(41, "2026-11-01T10:00:00", [("SKU-A", 2)], status="on-hold"))
    _deliver_woo(s, woo_order(41, "2026-11-03T10:00:00", [("SKU-A", 2)], status="cancelled"))
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert s.shop.status(s.order_id("41"))[0] is S.CANCELLED
    assert s.shop.verify() == []


def test_a_channel_can_say_on_hold_holds_no_stock(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    set_stock_rule(s.shop.uow(), "web", "on-hold", holds_stock=False, may_ship=False)
    _deliver_woo(s, woo_order(42, "2026-11-01T10:00:00", [("SKU-A", 2)], status="on-hold"))
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert s.shop.status(s.order_id("42"))[0] is S.ON_HOLD


def _deliver_woo(s: SyncShop, *payloads: dict[str, Any]) -> list[str]:
    records = [
        RawRecord("order", str(p["id"]), parse_utc(p["date_modified_gmt"]), p) for p in payloads
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, "poll")
        uow.commit()
    return [o.result for o in ingest.process_many(s.ctx, s.tenant_id, ids)]


def test_an_order_refunded_in_full_before_shipping_gives_its_stock_back_once(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    _deliver_woo(s, woo_order(43, "2026-11-01T10:00:00", [("SKU-A", 2)]))
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    refunded = woo_order(43, "2026-11-02T10:00:00", [("SKU-A", 2)], status="refunded")
    refunded["refunds"] = [{"id": 501, "reason": "", "total": "-20.00"}]
    assert _deliver_woo(s, refunded) == ["updated"]
    order_id = s.order_id("43")
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert s.shop.status(order_id)[0] is S.REFUNDED
    assert "cancellation" not in _events(s, order_id)  # no void: the money was taken
    assert s.shop.verify() == []


def test_a_restock_naming_no_location_goes_back_where_the_units_shipped_from(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant, link=False)
    lines = [(11, "SKU-A", 2)]
    _deliver(s, shopify_order(44, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("44")
    fulfilment.ship(s.shop.uow(), order_id, actor="test")
    assert s.shop.level("BER", "SKU-A") == (8, 0)
    refunded = shopify_order(
        44, "2026-11-02T09:00:00Z", lines, shipped={11: 2}, financial_status="partially_refunded",
        refunds=[refund(844, "2026-11-02T08:00:00Z", [(11, 2)], location_id=None)],
    )  # fmt: skip
    assert _deliver(s, refunded) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert _errors(s) == []
    assert s.shop.verify() == []


def test_a_refund_without_restock_moves_no_stock(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 2)]
    _deliver(s, shopify_order(45, "2026-11-01T09:00:00Z", lines))
    fulfilment.ship(s.shop.uow(), s.order_id("45"), actor="test")
    refunded = shopify_order(
        45, "2026-11-02T09:00:00Z", lines, shipped={11: 2}, financial_status="partially_refunded",
        refunds=[refund(845, "2026-11-02T08:00:00Z", [(11, 1)], restock_type="no_restock")],
    )  # fmt: skip
    assert _deliver(s, refunded) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (8, 0)
    assert s.shop.level("NJ", "SKU-A") == (5, 0)
    assert s.shop.verify() == []


def test_an_order_first_seen_completed_is_no_new_shipment_when_it_is_refunded_later(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    _deliver_woo(s, woo_order(46, "2026-11-01T10:00:00", [("SKU-A", 2)], status="completed"))
    order_id = s.order_id("46")
    later = woo_order(46, "2026-11-02T10:00:00", [("SKU-A", 2)], status="completed")
    later["refunds"] = [{"id": 502, "reason": "", "total": "-5.00"}]
    assert _deliver_woo(s, later) == ["updated"]
    assert s.shop.level("BER", "SKU-A") == (10, 0)  # never the hub's stock
    assert _events(s, order_id) == ["refund"]
    assert s.shop.verify() == []
