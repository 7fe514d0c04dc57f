"""Every sync path works for a channel connected the documented way (a stored, encrypted
connection), on the embedded SQLite default as on PostgreSQL: no unit of work opens
another (design invariant 11). Before, opening the stored connection took a second write
transaction while the first was open: a signed webhook hung 30 s and answered 500, and
pull, relay, sweep, reconcile-channel and the scheduler's jobs failed "database is
locked"."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import responses
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from connectors.registry import default_registry
from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.tables_connections import connections as connections_table
from hub.db.unit_of_work import NestedUnitOfWork, UnitOfWork
from hub.services import connections, inventory, pull, relay, schedule
from hub.sync_runtime import build_context
from reconciliation.channels import reconcile_channel
from tests.conftest import Database
from tests.integration.alloc_setup import shop
from tests.integration.stored_connection import (
    API,
    PRODUCT_ID,
    signed,
    stored_shop,
    webhook_headers,
    woo_order,
)


def test_a_signed_webhook_for_a_stored_connection_is_answered_and_processed(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = stored_shop(db, tenant, {("BER", "SKU-A"): 5})
    client = TestClient(create_app(s.hub, sync=s.ctx, dispatcher=s.dispatcher))
    body = signed(woo_order(501, "2026-11-01T10:00:00", quantity=2))
    headers = webhook_headers(body, "d-1")
    answer = client.post(f"/webhooks/{s.channel_id}", content=body, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"status": "accepted", "records": 1})
    assert s.shop.level("BER", "SKU-A") == (5, 2)


@responses.activate(assert_all_requests_are_fired=True)
def test_pull_sweep_relay_reconcile_and_scheduled_jobs_run_through_a_stored_connection(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = stored_shop(db, tenant, {("BER", "SKU-A"): 5})
    listing = [woo_order(601, "2026-11-01T10:00:00", quantity=3)]
    responses.get(f"{API}orders", json=listing, headers={"X-WP-TotalPages": "1"})
    report = pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert (report.records, report.queued) == (1, 1)
    assert s.shop.level("BER", "SKU-A") == (5, 3)

    swept = pull.sweep(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert (swept.records, swept.queued) == (1, 0)  # archived already: nothing new

    batch = responses.post(f"{API}products/batch", json={"update": [{"id": int(PRODUCT_ID)}]})
    pushed = relay.relay(s.ctx, s.tenant_id)
    assert (pushed.pushed, pushed.failed) == (1, [])
    assert batch.calls[0].request.body is not None
    assert b'"stock_quantity": 2' in batch.calls[0].request.body

    checked = reconcile_channel(s.ctx, s.tenant_id, s.channel_id)
    assert checked.checked_orders == 1 and checked.reconciled

    due = schedule.claim_due_jobs(s.ctx)
    assert {job.job for job in due if job.channel_id == s.channel_id} >= {"pull", "sweep"}
    again = pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    assert again.queued == 0
    inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", 9, actor="test", reason="count")
    assert relay.relay(s.ctx, s.tenant_id).pushed == 1


def test_a_unit_of_work_opened_inside_another_fails_loudly(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    with tenant() as outer:
        assert outer.session is not None
        with pytest.raises(NestedUnitOfWork), tenant():
            pass
    with tenant() as after:  # the failed attempt left the count right: free again
        assert after.session.query(t.orders).count() >= 0


def test_more_concurrent_webhooks_than_pool_connections_are_all_answered(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    """A pool of 2 and 12 webhooks in flight: each request holds one connection at a time
    (before, the intake held one idle in transaction while asking for a second, and the
    pool deadlocked with every connection waiting for another)."""
    settings = Settings(database_url=db.url, db_pool_size=2, db_max_overflow=0, db_pool_timeout_s=5)
    s = stored_shop(db, tenant, {("BER", "SKU-A"): 100}, settings=settings)
    bodies = [signed(woo_order(700 + n, "2026-11-01T10:00:00")) for n in range(12)]
    with TestClient(create_app(s.hub, sync=s.ctx, dispatcher=s.dispatcher)) as client:

        def post(n: int) -> int:
            body = bodies[n]
            headers = webhook_headers(body, f"burst-{n}")
            answer = client.post(f"/webhooks/{s.channel_id}", content=body, headers=headers)
            return answer.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(post, range(len(bodies))))
    assert codes == [200] * len(bodies)
    assert s.shop.level("BER", "SKU-A") == (100, 12)


@responses.activate(assert_all_requests_are_fired=True)
def test_a_relay_to_an_oauth_channel_refreshes_its_token_before_the_claim_not_inside_it(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    """eBay's access token has expired: the relay refreshes it in a unit of work of its
    own before claiming, so the push inside the claim opens no second one (before, the
    refresh inside the claim waited on SQLite's lock its own thread held)."""
    s = shop(tenant, {("BER", "SKU-A"): 5})
    hub = Hub(Settings(database_url=db.url))
    with tenant() as uow:
        tenant_id = uow.tenant_id
        uow.session.execute(
            update(t.channels).where(t.channels.c.id == s.channel_id).values(platform="ebay")
        )
        uow.session.execute(
            insert(t.listings).values(
                tenant_id=tenant_id,
                channel_id=s.channel_id,
                channel_sku="SKU-A",
                sku_id=s.sku_ids["SKU-A"],
                channel_product_id="SKU-A",
            )
        )
        uow.commit()
    view = connections.add_connection(
        tenant(),
        hub.secret_box,
        default_registry,
        connector="ebay",
        display_name="ebay",
        values={"client_id": "HubApp", "client_secret": "cert-secret"},
        channel="web",
    )
    _store_tokens(hub, tenant, view.id, expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    token = responses.post(
        "https://api.ebay.com/identity/v1/oauth2/token",
        json={"access_token": "v^new", "expires_in": 7200, "token_type": "User Access Token"},
    )
    bulk = responses.post(
        "https://api.ebay.com/sell/inventory/v1/bulk_update_price_quantity",
        json={"responses": [{"sku": "SKU-A", "statusCode": 200}]},
    )
    inventory.adjust_to_count(s.uow(), "BER", "SKU-A", 7, actor="test", reason="count")
    assert tenant_id is not None
    report = relay.relay(build_context(hub.settings), tenant_id)
    assert (report.pushed, report.failed) == (1, [])
    assert len(token.calls) == 1
    assert bulk.calls[0].request.headers["Authorization"] == "Bearer v^new"


def _store_tokens(
    hub: Hub, tenant: Callable[[], UnitOfWork], connection_id: int, expires_at: datetime
) -> None:
    """What an OAuth2 authorization leaves in the connection's encrypted blob."""
    with tenant() as uow:
        row = uow.session.execute(
            select(connections_table).where(connections_table.c.id == connection_id)
        ).one()
        blob = hub.secret_box.open(row.credentials, "ebay")
        blob[connections.OAUTH] = {
            "access_token": "v^old",
            "refresh_token": "v^refresh",
            "expires_at": expires_at.isoformat(),
        }
        uow.session.execute(
            update(connections_table)
            .where(connections_table.c.id == connection_id)
            .values(credentials=hub.secret_box.seal(blob))
        )
        uow.commit()
