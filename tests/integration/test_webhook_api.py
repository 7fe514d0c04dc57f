"""POST /webhooks/{channel_id} through the real FastAPI app on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, webhook_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog, schedule
from tests.conftest import Database
from tests.fakes.memshop import DELIVERY_HEADER, SIGNATURE_HEADER, sign, woo_order
from tests.integration.sync_setup import SECRET, SyncShop, sync_shop


class BrokerDown:
    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None:
        raise ConnectionError("redis: connection refused")

    def relay(self, tenant_id: int) -> None:
        raise ConnectionError("redis: connection refused")

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], None]:
        return partial(self.process_inbox, tenant_id, inbox_ids)


def _client(db: Database, s: SyncShop, dispatcher: object | None = None) -> TestClient:
    hub = Hub(Settings(database_url=db.url))
    app = create_app(hub, sync=s.ctx, dispatcher=dispatcher or s.dispatcher)  # type: ignore[arg-type]
    return TestClient(app)


def _post(client: TestClient, channel_id: int, body: bytes, signature: str, delivery: str):  # type: ignore[no-untyped-def]
    headers = {SIGNATURE_HEADER: signature, DELIVERY_HEADER: delivery}
    return client.post(f"/webhooks/{channel_id}", content=body, headers=headers)


def test_a_signed_webhook_is_archived_acknowledged_and_processed_once(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    client = _client(db, s)
    body = json.dumps(woo_order(11, "2026-11-01T10:00:00", [("SKU-A", 2)])).encode()
    first = _post(client, s.channel_id, body, sign(SECRET, body), "dlv-1")
    again = _post(client, s.channel_id, body, sign(SECRET, body), "dlv-1")
    assert (first.status_code, first.json()) == (200, {"status": "accepted", "records": 1})
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert s.count(t.orders) == 1
    assert s.shop.level("BER", "SKU-A") == (5, 2)
    assert s.count(webhook_deliveries, outcome="accepted") == 1
    assert s.count(webhook_deliveries, outcome="duplicate") == 1


def test_forged_webhooks_are_rejected_with_401_recorded_and_never_archived(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    client = _client(db, s)
    body = json.dumps(woo_order(12, "2026-11-01T10:00:00")).encode()
    tampered = body.replace(b'"quantity": 1', b'"quantity": 9')
    forged = [
        _post(client, s.channel_id, tampered, sign(SECRET, body), "f-1"),  # body changed
        _post(client, s.channel_id, body, sign("not-the-secret", body), "f-2"),  # wrong key
        _post(client, s.channel_id, body, "", "f-3"),  # unsigned
    ]
    assert [r.status_code for r in forged] == [401, 401, 401]
    assert s.count(webhook_deliveries, outcome="rejected") == 3
    assert s.count(inbox_records) == 0 and s.count(t.orders) == 0
    # A forged delivery id does not block the genuine delivery that carries it.
    genuine = _post(client, s.channel_id, body, sign(SECRET, body), "f-1")
    assert genuine.json()["status"] == "accepted"
    assert client.post("/webhooks/999999", content=body).status_code == 404
    bare = catalog.create_channel(s.shop.uow(), "bare", "shopify", "EUR")  # no connection
    assert client.post(f"/webhooks/{bare.id}", content=body).status_code == 404


def test_with_the_queue_down_the_delivery_is_kept_and_the_reaper_finds_it(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    client = _client(db, s, BrokerDown())
    body = json.dumps(woo_order(13, "2026-11-01T10:00:00")).encode()
    response = _post(client, s.channel_id, body, sign(SECRET, body), "q-1")
    assert response.status_code == 200
    assert s.inbox_statuses() == ["pending"]
    later = s.ctx.clock() + timedelta(seconds=s.ctx.settings.sync_reap_after + 1)
    stuck = schedule.claim_stuck(s.ctx, later)
    ids = stuck.inbox[s.tenant_id]
    s.dispatcher.process_inbox(s.tenant_id, ids)
    assert s.inbox_statuses() == ["processed"]
    assert s.count(t.orders) == 1
