"""Inbox: archive before mapping, version-aware upsert, error queue and replay."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from connectors.base import RawRecord
from connectors.registry import default_registry
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import OrderStatus
from hub.services import inbox, ingest
from hub.services.ingest_batch import process_batch
from hub.services.webhooks import receive
from tests.conftest import Database
from tests.fakes.memshop import DELIVERY_HEADER, SIGNATURE_HEADER, sign, woo_order
from tests.integration.sync_setup import SECRET, SyncShop, sync_shop


def _archive(s: SyncShop, *orders: dict[str, object], source: str = "poll") -> list[int]:
    records = [
        RawRecord("order", str(o["id"]), parse_utc(o["date_modified_gmt"]), o) for o in orders
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, source)
        uow.commit()
    return ids


def _webhook(s: SyncShop, order: dict[str, object], delivery: str) -> None:
    body = json.dumps(order).encode()
    headers = {SIGNATURE_HEADER: sign(SECRET, body), DELIVERY_HEADER: delivery}
    outcome = receive(s.ctx, s.channel_id, headers, body)
    s.dispatcher.process_inbox(outcome.tenant_id, outcome.inbox_ids)


def test_same_order_by_poll_webhook_and_redelivery_is_one_order_with_one_reservation_set(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    order = woo_order(1, "2026-11-01T10:00:00", [("SKU-A", 3)])
    s.dispatcher.process_inbox(s.tenant_id, _archive(s, order))
    _webhook(s, order, "d-1")
    _webhook(s, order, "d-1")  # redelivery of the same delivery
    _webhook(s, order, "d-2")  # the same version by another delivery
    s.dispatcher.process_inbox(s.tenant_id, _archive(s, order))  # poll again
    assert s.count(t.orders) == 1
    order_id = s.order_id("1")
    assert s.shop.reservations(order_id) == [("BER", "SKU-A", "", 3)]
    assert s.shop.level("BER", "SKU-A") == (10, 3)
    assert s.count(inbox_records) == 1
    assert s.shop.verify() == []


def test_an_older_update_after_a_newer_one_changes_nothing(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    created = woo_order(2, "2026-11-01T10:00:00", [("SKU-A", 2)])
    cancelled = woo_order(2, "2026-11-01T12:00:00", [("SKU-A", 2)], status="cancelled")
    s.dispatcher.process_inbox(s.tenant_id, _archive(s, created))
    s.dispatcher.process_inbox(s.tenant_id, _archive(s, cancelled))
    order_id = s.order_id("2")
    assert s.shop.status(order_id)[0] is OrderStatus.CANCELLED
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    # The "processing" version from 11:00 arrives late: it must not revive the order.
    late = woo_order(2, "2026-11-01T11:00:00", [("SKU-A", 2)])
    outcomes = ingest.process_many(s.ctx, s.tenant_id, _archive(s, late))
    assert [o.result for o in outcomes] == ["stale"]
    assert s.shop.status(order_id)[0] is OrderStatus.CANCELLED
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert s.inbox_statuses() == ["processed", "processed", "stale"]


def test_a_bad_record_goes_to_the_error_queue_and_the_rest_of_the_batch_goes_on(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    bad = woo_order(3, "2026-11-01T10:00:00", [("SKU-A", 1)])
    bad["currency"] = "EURO"
    good = woo_order(4, "2026-11-01T10:00:00", [("SKU-A", 1)])
    outcomes = ingest.process_many(s.ctx, s.tenant_id, _archive(s, bad, good))
    assert [o.result for o in outcomes] == ["failed", "created"]
    with s.ctx.uow(s.tenant_id) as uow:
        errors = inbox.list_errors(uow.session, s.tenant_id)
    assert len(errors) == 1
    assert errors[0].stage == "map"
    assert errors[0].field == "currency"
    assert "woocommerce order 3" in errors[0].record
    assert s.count(t.orders) == 1


def test_replay_after_the_fix_takes_the_record_in_and_resolves_the_error(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})

    def broken(record: dict[str, object], context: object) -> object:
        raise KeyError("line_items")

    # The mapper travels with the connector: break the one the registry hands out.
    woo = default_registry.load("woocommerce")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(woo, "map_order", staticmethod(broken))
        ingest.process_many(s.ctx, s.tenant_id, _archive(s, woo_order(5, "2026-11-01T10:00:00")))
    with s.ctx.uow(s.tenant_id) as uow:
        (error,) = inbox.list_errors(uow.session, s.tenant_id)
    assert (error.field, error.reason) == ("line_items", "missing")
    outcome = ingest.replay(s.ctx, s.tenant_id, error.id)
    assert outcome.result == "created"
    assert s.count(t.orders) == 1
    assert s.count(sync_errors, resolved_at=None) == 0
    assert s.shop.level("BER", "SKU-A") == (10, 1)


def test_a_batch_with_two_versions_of_a_new_order_and_a_bad_record_stores_the_newest_once(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    newer = woo_order(6, "2026-11-01T12:00:00", [("SKU-A", 2)], email="new@example.com")
    older = woo_order(6, "2026-11-01T11:00:00", [("SKU-A", 2)], email="old@example.com")
    bad = woo_order(7, "2026-11-01T10:00:00")
    bad["line_items"][0]["quantity"] = 0  # type: ignore[index]
    other = woo_order(8, "2026-11-01T10:00:00", [("SKU-A", 1)])
    outcomes = process_batch(s.ctx, s.tenant_id, _archive(s, newer, older, bad, other))
    assert [o.result for o in outcomes] == ["created", "stale", "failed", "created"]
    with s.shop.uow() as uow:
        emails = uow.session.execute(
            select(t.orders.c.customer_email).where(t.orders.c.tenant_id == s.tenant_id)
        ).scalars()
        assert sorted(e or "" for e in emails) == ["buyer@example.com", "new@example.com"]
    assert s.shop.level("BER", "SKU-A") == (10, 3)
    assert s.count(sync_errors, stage="map", field="quantity") == 1
    assert process_batch(s.ctx, s.tenant_id, _archive(s, newer)) == []  # archived already


def test_a_new_order_with_an_unmapped_sku_is_stored_on_hold_and_reserves_nothing(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    order = woo_order(9, "2026-11-01T10:00:00", [("SKU-A", 1), ("NOT-LISTED", 2)])
    (outcome,) = process_batch(s.ctx, s.tenant_id, _archive(s, order))
    assert outcome.result == "created"
    status, reason = s.shop.status(s.order_id("9"))
    assert status is OrderStatus.ON_HOLD
    assert reason is not None and "unmapped SKU NOT-LISTED" in reason
    assert s.shop.level("BER", "SKU-A") == (10, 0)
