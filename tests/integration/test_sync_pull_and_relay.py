"""Incremental pull with cursors, catch-up sweep, missing report; outbox relay and resync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import RetriableError
from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.tables_sync import push_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.services import inventory, pull, relay, resync
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import sync_shop

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _cursor(s, stream: str = "orders") -> pull.Cursor | None:  # type: ignore[no-untyped-def]
    with s.ctx.uow(s.tenant_id) as uow:
        return pull.read_cursor(uow.session, s.channel_id, stream)


def test_first_pull_backfills_from_the_start_date_and_the_next_one_overlaps_the_cursor(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    settings = SyncSettings(sync_backfill_days=3, sync_overlap_seconds=600)
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50}, settings=settings)
    s.ctx.clock = lambda: NOW
    s.platform.put(woo_order(1, "2026-10-01T10:00:00"))  # before the backfill start
    for n in range(2, 7):
        s.platform.put(woo_order(n, f"2026-11-01T10:0{n}:00"))
    report = pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert s.platform.queries == [NOW - timedelta(days=3)]
    assert (report.records, report.pages, report.queued) == (5, 3, 5)
    assert s.count(t.orders) == 5
    cursor = _cursor(s)
    assert cursor is not None and cursor.resume is None
    assert cursor.since == datetime(2026, 11, 1, 10, 6, tzinfo=UTC)
    s.platform.put(woo_order(7, "2026-11-01T10:30:00"))
    again = pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert s.platform.queries[-1] == datetime(2026, 11, 1, 9, 56, tzinfo=UTC)
    assert again.queued == 1  # the overlap re-read 10:06 (archived already) and found 7
    assert s.count(t.orders) == 6


def test_a_pull_that_dies_mid_way_resumes_after_the_last_committed_page(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50}, settings=SyncSettings())
    s.ctx.clock = lambda: NOW
    for n in range(1, 7):
        s.platform.put(woo_order(n, f"2026-11-01T10:0{n}:00"))
    s.platform.fail_after_pages = 2
    with pytest.raises(RetriableError):
        pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    cursor = _cursor(s)
    assert cursor is not None and cursor.resume == "4"  # two pages of two committed
    assert s.count(t.orders) == 4
    s.platform.fail_after_pages = None
    report = pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert report.records == 2  # only the page that was never read
    assert s.platform.queries[-1] == s.platform.queries[0]  # the same pull, resumed
    assert s.count(t.orders) == 6
    assert _cursor(s).resume is None  # type: ignore[union-attr]


def test_sweep_heals_a_missed_webhook_and_the_report_lists_what_was_missing(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    s.ctx.clock = lambda: NOW
    s.platform.put(woo_order(1, "2026-11-02T08:00:00"))
    pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    # An order whose webhook never came, modified before the cursor (clock skew).
    s.platform.put(woo_order(2, "2026-11-02T07:00:00"))
    report = pull.missing(s.ctx, s.tenant_id, s.channel_id, window_hours=24)
    assert [m.external_id for m in report.missing] == ["2"]
    assert report.checked == 2
    swept = pull.sweep(s.ctx, s.dispatcher, s.tenant_id, s.channel_id, window_hours=24)
    assert swept.queued == 1
    assert s.count(t.orders) == 2
    assert pull.missing(s.ctx, s.tenant_id, s.channel_id, window_hours=24).missing == []


def test_relay_coalesces_many_changes_of_one_sku_into_one_push_of_the_latest_figure(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10, ("BER", "SKU-B"): 4}, listed={"SKU-A": "71"})
    relay.relay(s.ctx, s.tenant_id)  # the seeding counts
    s.platform.pushes.clear()
    for count in (9, 8, 7, 5):
        inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", count, actor="t", reason="count")
    report = relay.relay(s.ctx, s.tenant_id)
    assert report.events == 4
    assert s.platform.pushes == [[s.platform.pushes[0][0]]]
    (update,) = s.platform.pushes[0]
    assert (update.listing_id, update.quantity, update.parent_id) == ("71", 5, "7")
    assert s.count(ta.outbox_events, topic="stock.changed", delivered_at=None) == 0
    assert s.count(push_deliveries, outcome="accepted", quantity=5) == 1
    assert relay.relay(s.ctx, s.tenant_id).events == 0


def test_relay_skips_stale_versions_and_keeps_events_pending_while_the_channel_is_down(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    relay.relay(s.ctx, s.tenant_id)
    s.platform.push_down = True
    inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", 6, actor="t", reason="count")
    down = relay.relay(s.ctx, s.tenant_id)
    assert down.failed and down.pushed == 0
    s.platform.push_down = False
    s.platform.pushes.clear()
    up = relay.relay(s.ctx, s.tenant_id)
    assert [[u.quantity for u in p] for p in s.platform.pushes] == [[6]]
    assert up.pushed == 1
    # An event older than what the channel has (e.g. re-published by a replay) is skipped.
    with s.ctx.uow(s.tenant_id) as uow:
        uow.session.execute(
            ta.outbox_events.insert().values(
                tenant_id=s.tenant_id, topic="stock.changed", key="x", version=1,
                payload={"channel_id": s.channel_id, "sku_id": s.shop.sku_ids["SKU-A"],
                         "available": 10, "version": 1},
                created_at=NOW, attempts=0,
            )
        )  # fmt: skip
        uow.commit()
    s.platform.pushes.clear()
    stale = relay.relay(s.ctx, s.tenant_id)
    assert (stale.stale, s.platform.pushes) == (1, [])


def test_full_resync_pushes_every_listed_sku_with_its_current_figure(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(
        db,
        tenant,
        {("BER", "SKU-A"): 10, ("NJ", "SKU-B"): 3},
        listed={"SKU-A": "71", "SKU-B": "72"},
    )
    s.platform.stock["71"] = 999  # changed by hand on the platform
    report = resync.resync(s.ctx, s.tenant_id, s.channel_id)
    assert report.pushed == 2
    assert s.platform.stock == {"71": 10, "72": 3}
