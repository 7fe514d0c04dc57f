"""Shipments and hub-decided cancellations reach the channel through the outbox: written
with the shipment / cancellation, delivered by the relay with the platform's own line ids
and the tracking, retried while the platform is down, never sent for a cancellation the
channel itself made. On SQLite and PostgreSQL, through the in-memory `memshop` platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.base import Capability, FulfillmentPush
from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.tables_sync import sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import OrderStatus
from hub.services import fulfilment, order_push, pull, schedule, tokens
from hub.services.order_push import ORDER_CANCELLED, ORDER_FULFILLED, Tracking
from hub.services.tokens import Role
from tests.conftest import Database
from tests.fakes import memshop
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import SyncShop, sync_shop

Tenant = Callable[[], UnitOfWork]
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _ingest(s: SyncShop, *orders: dict[str, Any]) -> list[int]:
    s.ctx.clock = lambda: NOW  # the orders' own days, inside the first pull's backfill
    for order in orders:
        s.platform.put(order)
    pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    return [s.order_id(str(order["id"])) for order in orders]


def _events(s: SyncShop, topic: str) -> list[Any]:
    o = ta.outbox_events.c
    with s.ctx.uow(s.tenant_id) as uow:
        return list(
            uow.session.execute(
                select(o.payload, o.delivered_at, o.attempts)
                .where(o.tenant_id == s.tenant_id, o.topic == topic)
                .order_by(o.id)
            ).all()
        )


def _status(s: SyncShop, order_id: int) -> OrderStatus:
    with s.ctx.uow(s.tenant_id) as uow:
        found = uow.session.execute(select(t.orders.c.status).where(t.orders.c.id == order_id))
        return OrderStatus(found.scalar_one())


def test_a_partial_then_final_shipment_reach_the_channel_with_its_line_ids_and_tracking(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10, ("BER", "SKU-B"): 10})
    [order_id] = _ingest(s, woo_order(41, "2026-11-01T10:00:00", [("SKU-A", 3), ("SKU-B", 1)]))
    with s.ctx.uow(s.tenant_id) as uow:
        ol = t.order_lines.c
        rows = uow.session.execute(select(ol.channel_sku, ol.id).where(ol.order_id == order_id))
        line_ids = {sku: line_id for sku, line_id in rows}
    first = Tracking("DHL", "JD0001", "https://dhl.example/JD0001")
    fulfilment.ship(
        s.shop.uow(), order_id, actor="ops", quantities={line_ids["SKU-A"]: 2}, tracking=first
    )
    assert s.platform.fulfillments == []  # told after commit, by the relay
    [(payload, delivered, _)] = _events(s, ORDER_FULFILLED)
    assert delivered is None and payload["lines"] == {"4100": 2}
    s.dispatcher.relay(s.tenant_id)
    fulfilment.ship(s.shop.uow(), order_id, actor="ops", tracking=Tracking("UPS", "1Z999"))
    s.dispatcher.relay(s.tenant_id)
    assert s.platform.fulfillments == [
        FulfillmentPush("41", {"4100": 2}, "DHL", "JD0001", "https://dhl.example/JD0001"),
        FulfillmentPush("41", {"4100": 1, "4101": 1}, "UPS", "1Z999", None),
    ]
    assert _status(s, order_id) is OrderStatus.SHIPPED
    assert all(e.delivered_at is not None for e in _events(s, ORDER_FULFILLED))
    assert order_push.deliver(s.ctx, s.tenant_id).events == 0  # nothing is sent twice


def test_an_operator_cancellation_is_told_to_the_channel_but_one_the_channel_made_is_not(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    mine, theirs = _ingest(
        s,
        woo_order(51, "2026-11-01T10:00:00", [("SKU-A", 2)]),
        woo_order(52, "2026-11-01T10:01:00", [("SKU-A", 1)]),
    )
    fulfilment.cancel(s.shop.uow(), mine, actor="token:ops", tell_channel=True)
    # The channel cancels 52 itself: the hub follows and has nothing to tell it.
    s.platform.put(woo_order(52, "2026-11-01T11:00:00", [("SKU-A", 1)], status="cancelled"))
    pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert _status(s, theirs) is OrderStatus.CANCELLED
    s.dispatcher.relay(s.tenant_id)
    assert s.platform.cancellations == [("51", "cancelled by token:ops")]
    assert [e.payload["order_external_id"] for e in _events(s, ORDER_CANCELLED)] == ["51"]


def test_while_the_platform_is_down_the_event_waits_and_the_reaper_finds_it(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    [order_id] = _ingest(s, woo_order(61, "2026-11-01T10:00:00", [("SKU-A", 1)]))
    fulfilment.ship(s.shop.uow(), order_id, actor="ops", tracking=Tracking("DHL", "JD6"))
    # The relay message was lost: the reaper names the tenant once the event is old.
    stuck = schedule.claim_stuck(s.ctx, now=datetime.now(UTC) + _after(s))
    assert s.tenant_id in stuck.outbox_tenants
    s.platform.push_down = True
    down = order_push.deliver(s.ctx, s.tenant_id)
    assert down.failed and s.platform.fulfillments == []
    [(_, delivered, attempts)] = _events(s, ORDER_FULFILLED)
    assert (delivered, attempts) == (None, 1)
    s.platform.push_down = False
    up = order_push.deliver(s.ctx, s.tenant_id)
    assert (up.pushed, up.failed) == (1, [])
    assert [f.tracking_number for f in s.platform.fulfillments] == ["JD6"]


def test_a_refusal_goes_to_the_error_queue_and_a_channel_without_the_capability_is_skipped(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    first, second = _ingest(
        s,
        woo_order(71, "2026-11-01T10:00:00", [("SKU-A", 1)]),
        woo_order(72, "2026-11-01T10:01:00", [("SKU-A", 1)]),
    )
    fulfilment.cancel(s.shop.uow(), first, actor="ops", tell_channel=True)
    del s.platform.orders["71"]  # the platform no longer knows the order: 404
    report = order_push.deliver(s.ctx, s.tenant_id)
    assert report.failed and s.platform.cancellations == []
    [(payload, delivered, _)] = _events(s, ORDER_CANCELLED)
    assert delivered is not None and "404: no such order" in payload["outcome"]
    with s.ctx.uow(s.tenant_id) as uow:
        e = sync_errors.c
        errors = uow.session.execute(
            select(e.stage, e.record, e.field).where(e.tenant_id == s.tenant_id)
        ).all()
    assert [tuple(r) for r in errors] == [
        ("push", f"order 71 on channel {_channel_name(s)}", "cancellation")
    ]

    limited = memshop.MemShopConnector.capabilities - {Capability.PUSH_CANCELLATION}
    original = memshop.MemShopConnector.capabilities
    memshop.MemShopConnector.capabilities = limited
    try:
        fulfilment.cancel(s.shop.uow(), second, actor="ops", tell_channel=True)
        skipped = order_push.deliver(s.ctx, s.tenant_id)
    finally:
        memshop.MemShopConnector.capabilities = original
    assert (skipped.unsupported, skipped.failed, s.platform.cancellations) == (1, [], [])
    assert _events(s, ORDER_CANCELLED)[-1].payload["outcome"] == "unsupported"


def _after(s: SyncShop) -> timedelta:
    return timedelta(seconds=s.ctx.settings.sync_reap_after + 1)


def _channel_name(s: SyncShop) -> str:
    with s.ctx.uow(s.tenant_id) as uow:
        name = uow.session.execute(select(t.channels.c.name).where(t.channels.c.id == s.channel_id))
        return str(name.scalar_one())


def test_api_writes_push_what_they_changed_without_waiting_for_the_reaper(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    [order_id] = _ingest(s, woo_order(81, "2026-11-01T10:00:00", [("SKU-A", 2)]))
    s.dispatcher.relay(s.tenant_id)
    with s.ctx.uow(s.tenant_id) as uow:
        token = tokens.create_token(uow.session, s.tenant_id, "ops", Role.OPERATIONS)
        uow.commit()
    app = create_app(Hub(Settings(database_url=db.url)), sync=s.ctx, dispatcher=s.dispatcher)
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})

    counted = {"warehouse": "BER", "sku": "SKU-A", "counted": 7, "reason": "cycle count"}
    assert client.post("/api/v1/stock/adjustments", json=counted).status_code == 201
    assert s.platform.stock["71"] == 5  # 7 on hand, 2 reserved for order 81
    shipment = {"carrier": "DHL", "tracking_number": "JD81"}
    assert client.post(f"/api/v1/orders/{order_id}/shipments", json=shipment).status_code == 201
    assert [(f.order_external_id, f.tracking_number) for f in s.platform.fulfillments] == [
        ("81", "JD81")
    ]
    refused = {**counted, "counted": -1}
    pushes = len(s.platform.pushes)
    assert client.post("/api/v1/stock/adjustments", json=refused).status_code == 422
    assert len(s.platform.pushes) == pushes  # a refused write pushes nothing
