"""Expired lots are never sellable (figures, ATS, reports), a day passing corrects the
published figure, and a lot near its expiry is announced once (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from hub.db import tables_allocation as ta
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.orders import OrderStatus
from hub.services import catalog, inventory, stock_policy
from hub.services.allocation import allocate
from hub.services.lot_expiry import LOT_NEAR_EXPIRY, lot_upkeep, near_expiry_report
from tests.integration.alloc_setup import Shop, shop

Tenant = Callable[[], UnitOfWork]
TODAY = utcnow().date()


def _dairy(tenant: Tenant) -> Shop:
    """MILK in BER: lot OLD (4, expired yesterday), SOON (3, expires in 5 days), LATE
    (2, in 100 days); BUTTER lot FRESH with nothing on hand, expiring tomorrow."""
    s = shop(tenant, {}, lot_tracked=("MILK", "BUTTER"), shortfall="reject")
    for code, days in (("OLD", -1), ("SOON", 5), ("LATE", 100)):
        catalog.create_lot(tenant(), "MILK", code, TODAY + timedelta(days=days))
    catalog.create_lot(tenant(), "BUTTER", "FRESH", TODAY + timedelta(days=1))
    for code, units in (("OLD", 4), ("SOON", 3), ("LATE", 2)):
        inventory.adjust_to_count(tenant(), "BER", "MILK", units, actor="t", reason="in", lot=code)
    return s


def _published(tenant: Tenant, s: Shop, sku: str) -> int:
    v = ta.channel_stock_versions.c
    with tenant() as uow:
        return int(
            uow.session.execute(
                select(v.available).where(v.channel_id == s.channel_id, v.sku_id == s.sku_ids[sku])
            ).scalar_one()
        )


def _events(tenant: Tenant, topic: str) -> list[dict[str, Any]]:
    o = ta.outbox_events.c
    with tenant() as uow:
        rows = uow.session.execute(
            select(o.payload).where(o.tenant_id == uow.tenant_id, o.topic == topic).order_by(o.id)
        ).scalars()
        return [dict(p) for p in rows]


def test_an_expired_lot_is_in_no_figure_ats_or_report(tenant: Tenant) -> None:
    s = _dairy(tenant)
    assert _published(tenant, s, "MILK") == 5  # SOON + LATE, not OLD
    ats = {(a.channel, a.sku): a.available for a in stock_policy.ats_report(tenant())}
    assert ats[("web", "MILK")] == 5
    lines = {ln.lot: ln for ln in inventory.stock_report(tenant()) if ln.sku == "MILK"}
    assert lines["OLD"].on_hand == 4 and lines["OLD"].available == 0
    assert lines["SOON"].available == 3
    order = s.order([("MILK", 6)])
    assert allocate(tenant(), order).status is OrderStatus.ON_HOLD  # 5 sellable, not 9
    assert s.verify() == []


def test_the_reorder_report_does_not_count_an_expired_lot_as_available(tenant: Tenant) -> None:
    _dairy(tenant)
    for lot in ("OLD", "SOON", "LATE"):
        inventory.set_safety_stock(tenant(), "BER", "MILK", 0, lot=lot, reorder_point=6)
    (row,) = [x for _w, sku, x in stock_policy.reorder_report(tenant()) if sku == "MILK"]
    assert row.available == 5


def test_a_day_passing_corrects_the_published_figure_once_without_a_movement(
    tenant: Tenant,
) -> None:
    s = _dairy(tenant)
    with tenant() as uow:
        movements = len(uow.movements.list())
    first = lot_upkeep(tenant(), alert_days=0)  # OLD: figures already right, no event
    assert first.expired_lots == 1 and first.figure_events == 0
    before = len(_events(tenant, "stock.changed"))

    later = lot_upkeep(tenant(), alert_days=0, today=TODAY + timedelta(days=6))  # SOON gone
    assert later.expired_lots == 2 and later.figure_events == 1  # SOON, and FRESH (empty)
    assert _published(tenant, s, "MILK") == 2
    changed = _events(tenant, "stock.changed")[before:]
    assert [(e["sku_id"], e["available"]) for e in changed] == [(s.sku_ids["MILK"], 2)]

    again = lot_upkeep(tenant(), alert_days=0, today=TODAY + timedelta(days=6))
    assert again.expired_lots == 0 and len(_events(tenant, "stock.changed")) == before + 1
    with tenant() as uow:
        assert len(uow.movements.list()) == movements
    assert s.verify() == []


def test_a_lot_near_expiry_is_announced_once_per_window(tenant: Tenant) -> None:
    s = _dairy(tenant)
    assert lot_upkeep(tenant(), alert_days=30).alerts == 1
    assert lot_upkeep(tenant(), alert_days=30).alerts == 0  # not every run
    (alert,) = _events(tenant, LOT_NEAR_EXPIRY)
    assert alert == {
        "sku_id": s.sku_ids["MILK"],
        "sku": "MILK",
        "lot": "SOON",
        "warehouse": "BER",
        "expires_on": (TODAY + timedelta(days=5)).isoformat(),
        "quantity": 3,
    }  # OLD has expired (not "near"), BUTTER has nothing on hand, LATE is 100 days off
    assert lot_upkeep(tenant(), alert_days=200).alerts == 1  # LATE only: SOON was told
    assert lot_upkeep(tenant(), alert_days=7).alerts == 1  # tighter: SOON again, urgent
    assert [e["lot"] for e in _events(tenant, LOT_NEAR_EXPIRY)] == ["SOON", "LATE", "SOON"]


def test_the_near_expiry_report_lists_lots_on_hand_soonest_first(tenant: Tenant) -> None:
    _dairy(tenant)
    rows = near_expiry_report(tenant(), 30)
    assert [(r.lot, r.days_left, r.on_hand, r.expired) for r in rows] == [
        ("OLD", -1, 4, True),
        ("SOON", 5, 3, False),
    ]
    assert [r.lot for r in near_expiry_report(tenant(), 365)] == ["OLD", "SOON", "LATE"]


def test_dates_are_the_lot_expiry_dates(tenant: Tenant) -> None:
    _dairy(tenant)
    (soon,) = [r for r in near_expiry_report(tenant(), 30) if r.lot == "SOON"]
    assert isinstance(soon.expires_on, date) and soon.warehouse == "BER"


def test_an_order_holding_a_lot_that_expires_is_moved_to_a_sellable_lot(tenant: Tenant) -> None:
    s = _dairy(tenant)
    order = s.order([("MILK", 2)])
    allocate(tenant(), order)
    assert s.reservations(order) == [("BER", "MILK", "SOON", 2)]  # first expiry first out
    report = lot_upkeep(tenant(), alert_days=0, today=TODAY + timedelta(days=6))
    assert report.reallocated == ["O-1"]
    assert s.reservations(order) == [("BER", "MILK", "LATE", 2)]
    assert s.status(order)[0] is OrderStatus.ALLOCATED
    assert s.level("BER", "MILK", "SOON") == (3, 0)  # on hand, never to ship
    again = lot_upkeep(tenant(), alert_days=0, today=TODAY + timedelta(days=6))
    assert again.reallocated == []
    assert s.verify() == []
