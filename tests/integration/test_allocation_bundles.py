"""Bundles and kits through the allocator, on SQLite and PostgreSQL: a bundle line reserves
its components, ships and releases them, and bundle figures follow their components."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.outbox import Outbox
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus
from hub.services import bundles, catalog, fulfilment, inventory, listings, purchasing
from hub.services.allocation import allocate
from hub.services.bundle_figures import STOCK_CHANGED_LISTING
from hub.services.stock_events import STOCK_CHANGED
from hub.services.stock_policy import ats_report
from tests.conftest import Database
from tests.integration.alloc_setup import Shop, shop

S = OrderStatus
Tenant = Callable[[], UnitOfWork]


def _camp_set(tenant: Tenant, stock: dict[tuple[str, str], int], **policy: Any) -> Shop:
    """Channel `web` with a bundle listing CAMP-SET = 1 TENT + 4 POLE, and a kit SKU
    KIT = 1 TENT + 2 STOVE."""
    s = shop(tenant, stock, **policy)
    for code in ("KIT", "POLE", "STOVE", "TENT"):
        if code not in s.sku_ids:
            sku = catalog.create_sku(tenant(), code, code, Money.of("1", "EUR"))
            assert sku.id is not None
            s.sku_ids[code] = sku.id
    bundles.set_bundle(tenant(), "KIT", [("TENT", 1), ("STOVE", 2)])
    report = listings.import_listings(
        tenant(), "web", "channel_sku,sku,components\nCAMP-SET,,TENT:1;POLE:4\n"
    )
    assert report.refused == []
    return s


def _listing_id(tenant: Tenant, channel_sku: str) -> int:
    with tenant() as uow:
        li = t.listings.c
        found = uow.session.execute(
            select(li.id).where(li.tenant_id == uow.tenant_id, li.channel_sku == channel_sku)
        ).scalar()
        assert found is not None
        return int(found)


def _order(tenant: Tenant, s: Shop, lines: list[tuple[str, int]], ext: str) -> int:
    """lines: (`CAMP-SET` for the bundle listing, else a SKU code, quantity)."""
    camp = _listing_id(tenant, "CAMP-SET")
    with tenant() as uow:
        assert uow.tenant_id is not None
        order = Order(uow.tenant_id, s.channel_id, ext, "EUR", datetime(2026, 11, 1, tzinfo=UTC),
                      status=S.READY, ship_to={"country": "DE"})  # fmt: skip
        for i, (code, qty) in enumerate(lines):
            bundle = code == "CAMP-SET"
            order.add_line(
                OrderLine(code, qty, Money.of("10", "EUR"), external_id=f"L{i + 1}",
                          sku_id=None if bundle else s.sku_ids[code],
                          listing_id=camp if bundle else None, tenant_id=uow.tenant_id)
            )  # fmt: skip
        uow.orders.add(order)
        uow.commit()
        assert order.id is not None
        return order.id


def _events(tenant: Tenant, topic: str) -> list[dict[str, object]]:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return [
            {**e.payload, "version": e.version}
            for e in Outbox(uow.session, uow.tenant_id).pending(topic, limit=1000)
        ]


def test_a_bundle_listing_line_reserves_every_component_once(tenant: Tenant) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 20, ("BER", "STOVE"): 9})
    order = _order(tenant, s, [("CAMP-SET", 2)], "B-1")
    result = allocate(tenant(), order)
    assert result.status is S.ALLOCATED
    assert s.reservations(order) == [("BER", "POLE", "", 8), ("BER", "TENT", "", 2)]
    assert s.level("BER", "POLE") == (20, 8) and s.level("BER", "TENT") == (5, 2)
    again = allocate(tenant(), order)
    assert again.changed is False and s.reservations(order) == [
        ("BER", "POLE", "", 8),
        ("BER", "TENT", "", 2),
    ]
    assert s.verify() == []


def test_a_kit_sku_line_and_a_plain_line_of_a_component_share_the_snapshot(
    tenant: Tenant,
) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 3, ("NJ", "TENT"): 1, ("BER", "STOVE"): 9})
    order = _order(tenant, s, [("TENT", 2), ("KIT", 2)], "B-2")
    assert allocate(tenant(), order).status is S.ALLOCATED
    # 2 TENT for the plain line + 2 for the kit: 4 from one working copy, so the kit's
    # second tent comes from NJ (rows are per line and SKU: BER TENT twice)
    assert sorted(s.reservations(order)) == [
        ("BER", "STOVE", "", 4),
        ("BER", "TENT", "", 1),
        ("BER", "TENT", "", 2),
        ("NJ", "TENT", "", 1),
    ]
    assert s.level("BER", "KIT") == (0, 0)  # the kit itself is never a stocked item
    assert s.verify() == []


def test_partial_shortfall_reserves_whole_bundles_and_backorders_the_rest(
    tenant: Tenant,
) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 6}, shortfall="partial")
    order = _order(tenant, s, [("CAMP-SET", 3)], "B-3")
    result = allocate(tenant(), order)
    line = s.line_ids(order)[0]
    assert result.status is S.PARTIALLY_ALLOCATED
    assert result.backorders == {line: 2}  # in bundles: 6 poles make one set of 4
    # only what one whole set needs is held; the 2 spare poles stay free for others
    assert s.reservations(order) == [("BER", "POLE", "", 4), ("BER", "TENT", "", 1)]
    inventory.adjust_to_count(tenant(), "BER", "POLE", 14, actor="t", reason="receipt")
    filled = allocate(tenant(), order)
    assert filled.status is S.ALLOCATED and filled.backorders == {}
    assert s.reservations(order) == [("BER", "POLE", "", 12), ("BER", "TENT", "", 3)]
    assert s.verify() == []


def test_reject_shortfall_counts_the_line_short_in_bundles_and_reserves_nothing(
    tenant: Tenant,
) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 6})
    order = _order(tenant, s, [("CAMP-SET", 3)], "B-4")
    result = allocate(tenant(), order)
    line = s.line_ids(order)[0]
    assert result.status is S.ON_HOLD
    assert result.reason == f"insufficient stock: line #{line} short 2 (shortfall policy: reject)"
    assert s.reservations(order) == [] and s.level("BER", "POLE") == (6, 0)


def test_cancel_releases_every_component_and_the_backorder(tenant: Tenant) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 6}, shortfall="partial")
    order = _order(tenant, s, [("CAMP-SET", 3)], "B-5")
    allocate(tenant(), order)
    assert fulfilment.cancel(tenant(), order, actor="t") is S.CANCELLED
    assert s.reservations(order) == []
    assert s.level("BER", "TENT") == (5, 0) and s.level("BER", "POLE") == (6, 0)
    with tenant() as uow:
        b = ta.backorders.c
        left = uow.session.execute(select(b.id).where(b.tenant_id == uow.tenant_id)).all()
    assert left == [] and s.verify() == []


def test_ship_commits_components_per_bundle_and_a_return_restocks_them(tenant: Tenant) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 20})
    order = _order(tenant, s, [("CAMP-SET", 2)], "B-6")
    allocate(tenant(), order)
    line = s.line_ids(order)[0]
    with pytest.raises(InvalidValue, match=r"must be 0\.\.2"):
        fulfilment.ship(tenant(), order, actor="t", quantities={line: 3})
    assert fulfilment.ship(tenant(), order, actor="t", quantities={line: 1}) is (
        S.PARTIALLY_SHIPPED
    )
    assert s.level("BER", "TENT") == (4, 1) and s.level("BER", "POLE") == (16, 4)
    assert allocate(tenant(), order).changed is False  # shipped units are not re-reserved
    assert fulfilment.ship(tenant(), order, actor="t") is S.SHIPPED
    assert s.level("BER", "TENT") == (3, 0) and s.level("BER", "POLE") == (12, 0)
    fulfilment.return_items(tenant(), order, line, 1, "NJ", actor="t")
    assert s.level("NJ", "TENT") == (1, 0) and s.level("NJ", "POLE") == (4, 0)
    with pytest.raises(InvalidValue, match=r"must be 1\.\.1"):
        fulfilment.return_items(tenant(), order, line, 2, "NJ", actor="t")
    assert s.verify() == []


def test_bundle_figures_follow_a_component_purchase_receipt_and_an_allocation(
    tenant: Tenant,
) -> None:
    s = _camp_set(
        tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 8, ("NJ", "POLE"): 4, ("BER", "STOVE"): 6}
    )
    camp = _listing_id(tenant, "CAMP-SET")
    rows = {(r.sku, r.bundle): (r.pooled, r.available) for r in ats_report(tenant(), "web")}
    assert rows[("CAMP-SET", "listing")] == (3, 3)  # 12 poles // 4
    assert rows[("KIT", "sku")] == (3, 3)  # 6 stoves // 2
    catalog.create_supplier(tenant(), "ALPS", "Alps", "EUR", lead_time_days=10)
    purchasing.create_purchase_order(
        tenant(), "PO-1", "ALPS", "NJ", [("POLE", 16, Money.of("2", "EUR"))]
    )
    purchasing.receive_purchase_order(tenant(), "PO-1", {"POLE": 16}, actor="t")
    listing_events = [e for e in _events(tenant, STOCK_CHANGED_LISTING) if e["listing_id"] == camp]
    assert listing_events[-1]["available"] == 5  # now TENT (5 // 1) is the short component
    figures = {(r.sku, r.bundle): r.available for r in ats_report(tenant(), "web")}
    assert figures[("CAMP-SET", "listing")] == 5
    versions = [int(str(e["version"])) for e in listing_events]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    # An allocation of a plain TENT line moves both bundles containing TENT.
    allocate(tenant(), _order(tenant, s, [("TENT", 2)], "B-7"))
    kit_events = [e for e in _events(tenant, STOCK_CHANGED) if e["sku_id"] == s.sku_ids["KIT"]]
    assert kit_events[-1]["available"] == 3  # min(3 tents, 6 stoves // 2)
    listing_events = [e for e in _events(tenant, STOCK_CHANGED_LISTING) if e["listing_id"] == camp]
    assert listing_events[-1]["available"] == 3
    # and a bundle allocation moves the components' own figures
    before = len(_events(tenant, STOCK_CHANGED))
    allocate(tenant(), _order(tenant, s, [("KIT", 1)], "B-8"))
    changed = {e["sku_id"]: e["available"] for e in _events(tenant, STOCK_CHANGED)[before:]}
    assert changed[s.sku_ids["STOVE"]] == 4 and changed[s.sku_ids["TENT"]] == 2
    assert changed[s.sku_ids["KIT"]] == 2


def test_an_unmapped_line_is_still_refused(tenant: Tenant) -> None:
    s = _camp_set(tenant, {("BER", "TENT"): 5})
    order = s.order([(None, 1)])
    with pytest.raises(InvalidValue, match="not mapped"):
        allocate(tenant(), order)


def test_concurrent_changes_of_different_components_leave_the_true_bundle_figure(
    db: Database, tenant: Tenant
) -> None:
    """Threads allocate orders that touch only TENT, only POLE, or both (the bundle) at
    once: each transaction sees the others' components only through the figure-row lock,
    so the last published bundle figure must still equal the one computed afterwards."""
    if db.backend != "postgres":
        pytest.skip("needs concurrent PostgreSQL sessions; SQLite serializes writers")
    s = _camp_set(tenant, {("BER", "TENT"): 40, ("BER", "POLE"): 120})
    camp = _listing_id(tenant, "CAMP-SET")
    orders = [
        _order(tenant, s, [lines], f"C-{i}")
        for i, lines in enumerate([("TENT", 3), ("POLE", 9), ("CAMP-SET", 2)] * 4)
    ]
    errors: list[BaseException] = []

    def run(order_id: int) -> None:
        try:
            allocate(tenant(), order_id)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # 40 - 12 - 8 = 20 tents; 120 - 36 - 32 = 52 poles -> 13 sets
    truth = {(r.sku, r.bundle): r.available for r in ats_report(tenant(), "web")}
    assert truth[("CAMP-SET", "listing")] == 13 and truth[("KIT", "sku")] == 0
    listing_events = [e for e in _events(tenant, STOCK_CHANGED_LISTING) if e["listing_id"] == camp]
    newest = max(listing_events, key=lambda e: int(str(e["version"])))
    assert newest["available"] == 13
    assert s.verify() == []
