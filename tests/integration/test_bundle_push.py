"""Bundle figures reach the platform: the relay pushes bundle-listing events, the full
resync pushes kit and bundle-listing figures, and a changed definition is published at
once. On SQLite and PostgreSQL, through the in-memory `memshop` platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, select

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.tables_sync import listing_push_state, push_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import bundles, catalog, inventory, listings, relay, resync, stock_policy
from hub.services.allocation import allocate
from hub.services.bundle_figures import STOCK_CHANGED_LISTING
from tests.conftest import Database
from tests.integration.sync_setup import SyncShop, sync_shop

Tenant = Callable[[], UnitOfWork]
CAMP = "channel_sku,sku,channel_product_id,channel_variant_id,components\n"


def _camp_shop(db: Database, tenant: Tenant, stock: dict[tuple[str, str], int]) -> SyncShop:
    """Channel `web` (memshop) with TENT listed as variant 71 and a bundle listing
    CAMP-SET = 1 TENT + 4 POLE listed as product 9 / variant 91."""
    s = sync_shop(db, tenant, stock, listed={"TENT": "71"})
    report = listings.import_listings(tenant(), "web", CAMP + "CAMP-SET,,9,91,TENT:1;POLE:4\n")
    assert report.refused == []
    return s


def _camp_id(s: SyncShop) -> int:
    with s.shop.uow() as uow:
        li = t.listings.c
        return int(
            uow.session.execute(
                select(li.id).where(li.channel_id == s.channel_id, li.channel_sku == "CAMP-SET")
            ).scalar_one()
        )


def _pushed(s: SyncShop) -> list[list[tuple[str, int, str | None]]]:
    return [[(u.listing_id, u.quantity, u.parent_id) for u in call] for call in s.platform.pushes]


def test_a_component_count_and_an_allocation_push_the_bundle_listing_figure(
    db: Database, tenant: Tenant
) -> None:
    s = _camp_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12})
    relay.relay(s.ctx, s.tenant_id)
    s.platform.pushes.clear()
    inventory.adjust_to_count(s.shop.uow(), "BER", "TENT", 2, actor="t", reason="count")
    report = relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("71", 2, "7"), ("91", 2, "9")]]  # one batch call for both
    assert report.pushed == 2 and report.calls == 1
    s.platform.pushes.clear()
    allocate(s.shop.uow(), s.shop.order([("POLE", 5)]))  # 7 poles left: one set
    relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("91", 1, "9")]]
    camp = _camp_id(s)
    assert s.count(push_deliveries, listing_id=camp, outcome="accepted", quantity=1) == 1
    assert s.count(listing_push_state, listing_id=camp, quantity=1) == 1
    assert s.count(ta.outbox_events, topic=STOCK_CHANGED_LISTING, delivered_at=None) == 0


def test_many_component_changes_coalesce_into_one_push_of_the_newest_bundle_figure(
    db: Database, tenant: Tenant
) -> None:
    s = _camp_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 40})
    relay.relay(s.ctx, s.tenant_id)
    s.platform.pushes.clear()
    for count in (4, 3, 2, 1):
        inventory.adjust_to_count(s.shop.uow(), "BER", "TENT", count, actor="t", reason="count")
    assert s.count(ta.outbox_events, topic=STOCK_CHANGED_LISTING, delivered_at=None) == 4
    report = relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("71", 1, "7"), ("91", 1, "9")]]
    assert report.events == 8 and report.pushed == 2
    assert s.count(push_deliveries, listing_id=_camp_id(s)) == 2  # the seed and the newest
    assert relay.relay(s.ctx, s.tenant_id).events == 0


def test_a_bundle_listing_event_older_than_what_the_channel_has_is_skipped(
    db: Database, tenant: Tenant
) -> None:
    s = _camp_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12})
    inventory.adjust_to_count(s.shop.uow(), "BER", "POLE", 8, actor="t", reason="count")
    relay.relay(s.ctx, s.tenant_id)
    camp = _camp_id(s)
    with s.ctx.uow(s.tenant_id) as uow:
        uow.session.execute(
            ta.outbox_events.insert().values(
                tenant_id=s.tenant_id, topic=STOCK_CHANGED_LISTING,
                key=f"channel:{s.channel_id}/listing:{camp}", version=1,
                payload={"channel_id": s.channel_id, "listing_id": camp, "available": 3,
                         "version": 1},
                created_at=datetime(2026, 11, 2, tzinfo=UTC), attempts=0,
            )
        )  # fmt: skip
        uow.commit()
    s.platform.pushes.clear()
    stale = relay.relay(s.ctx, s.tenant_id)
    assert (stale.events, stale.stale, s.platform.pushes) == (1, 1, [])
    assert s.count(push_deliveries, listing_id=camp, outcome="stale", version=1) == 1
    assert s.count(listing_push_state, listing_id=camp, quantity=2) == 1
    assert s.count(ta.outbox_events, topic=STOCK_CHANGED_LISTING, delivered_at=None) == 0


def test_full_resync_pushes_kit_and_bundle_listing_figures_under_the_channel_policy(
    db: Database, tenant: Tenant
) -> None:
    s = _camp_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12, ("BER", "STOVE"): 6})
    kit = catalog.create_sku(tenant(), "KIT", "Kit", Money.of("1", "EUR"))
    bundles.set_bundle(tenant(), "KIT", [("TENT", 1), ("STOVE", 2)])
    listings.link_listing(tenant(), "web", "KIT", "KIT", channel_product_id="8",
                          channel_variant_id="81")  # fmt: skip
    stock_policy.set_policy(tenant(), "web", buffer=1)
    s.platform.stock.update({"71": 999, "81": 999, "91": 999})  # changed by hand
    report = resync.resync(s.ctx, s.tenant_id, s.channel_id)
    # CAMP-SET: min(5, 12 // 4) - 1; KIT: min(5, 6 // 2) - 1; TENT: 5 - 1
    assert {k: s.platform.stock[k] for k in ("71", "81", "91")} == {"71": 4, "81": 2, "91": 2}
    assert report.pushed == 3
    # Bundles defined before their figures were ever published are computed the same way.
    with s.ctx.uow(s.tenant_id) as uow:
        lv, cv = ta.listing_stock_versions, ta.channel_stock_versions
        uow.session.execute(delete(lv).where(lv.c.tenant_id == s.tenant_id))
        uow.session.execute(delete(cv).where(cv.c.sku_id == kit.id))
        uow.commit()
    s.platform.stock.update({"81": 999, "91": 999})
    resync.resync(s.ctx, s.tenant_id, s.channel_id)
    assert {k: s.platform.stock[k] for k in ("81", "91")} == {"81": 2, "91": 2}


def test_changing_a_bundle_definition_publishes_and_pushes_the_new_figure(
    db: Database, tenant: Tenant
) -> None:
    s = _camp_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12, ("BER", "STOVE"): 6})
    catalog.create_sku(tenant(), "KIT", "Kit", Money.of("1", "EUR"))
    listings.link_listing(tenant(), "web", "KIT", "KIT", channel_product_id="8",
                          channel_variant_id="81")  # fmt: skip
    relay.relay(s.ctx, s.tenant_id)
    assert s.platform.stock["91"] == 3  # defined by the import: 12 poles // 4
    s.platform.pushes.clear()
    listings.import_listings(tenant(), "web", CAMP + "CAMP-SET,,9,91,TENT:1;POLE:6\n")
    bundles.set_bundle(tenant(), "KIT", [("TENT", 1), ("STOVE", 2)])
    relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("81", 3, "8"), ("91", 2, "9")]]
    s.platform.pushes.clear()
    text = "bundle_sku,component_sku,quantity\nKIT,TENT,1\nKIT,STOVE,3\n"
    assert bundles.import_bundles(tenant(), text).applied == ["KIT"]
    relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("81", 2, "8")]]
    # A dry run changes nothing, so it publishes nothing either.
    bundles.import_bundles(tenant(), "bundle_sku,component_sku,quantity\nKIT,TENT,5\n",
                           dry_run=True)  # fmt: skip
    assert relay.relay(s.ctx, s.tenant_id).events == 0


def test_a_changed_kit_republishes_the_bundles_made_of_it_and_a_dissolved_kit_its_stock(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "TENT"): 6, ("BER", "STOVE"): 6, ("BER", "KIT"): 1})
    bundles.set_bundle(tenant(), "KIT", [("TENT", 1), ("STOVE", 2)])  # 3 kits
    listings.link_listing(tenant(), "web", "KIT", "KIT", channel_product_id="8",
                          channel_variant_id="81")  # fmt: skip
    listings.import_listings(tenant(), "web", CAMP + "TWIN,,9,92,KIT:2\n")  # 3 // 2
    relay.relay(s.ctx, s.tenant_id)
    assert (s.platform.stock["81"], s.platform.stock["92"]) == (3, 1)
    bundles.set_bundle(tenant(), "KIT", [("TENT", 1)])  # 6 kits, so 3 twins
    relay.relay(s.ctx, s.tenant_id)
    assert (s.platform.stock["81"], s.platform.stock["92"]) == (6, 3)
    bundles.set_bundle(tenant(), "KIT", [])  # a plain SKU again: its own unit
    relay.relay(s.ctx, s.tenant_id)
    assert s.platform.stock["81"] == 1


def test_a_bundle_listing_linked_to_a_sku_gets_the_bundle_figure_not_the_skus(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "TENT"): 5, ("BER", "POLE"): 12}, listed={"TENT": "71"})
    listings.import_listings(tenant(), "web", CAMP + "CAMP-SET,,9,91,TENT:2;POLE:4\n")
    # The import refuses a SKU and components together; linking one afterwards does not.
    listings.link_listing(tenant(), "web", "CAMP-SET", "TENT")
    relay.relay(s.ctx, s.tenant_id)
    s.platform.pushes.clear()
    inventory.adjust_to_count(s.shop.uow(), "BER", "TENT", 3, actor="t", reason="count")
    relay.relay(s.ctx, s.tenant_id)
    assert _pushed(s) == [[("71", 3, "7"), ("91", 1, "9")]]  # 3 tents, one pair of them
    s.platform.stock["91"] = 999
    resync.resync(s.ctx, s.tenant_id, s.channel_id)
    assert s.platform.stock["91"] == 1
