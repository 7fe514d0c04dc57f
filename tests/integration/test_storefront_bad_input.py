"""A Shopify webhook off the documented shape, through the signed endpoint and ingest on
both databases: acknowledged, archived raw, failed with an error naming the order and the
field, nothing stored."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from sqlalchemy import func, select

from connectors.toolkit import hmac_sha256_base64
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from tests.conftest import Database
from tests.golden.cases import load
from tests.golden.harness import SECRET, webhook_channel

DOCUMENTED = next(
    c for c in load("shopify") if c.name == "rest_documented_order_partially_refunded"
)


def test_a_price_sent_as_a_number_fails_naming_order_line_and_field(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    payload = copy.deepcopy(DOCUMENTED.payload)
    payload["line_items"][0]["price"] = 199.0  # documented as the string "199.00"
    connection = {"shop_url": "https://golden.myshopify.com", "access_token": "shpat_x",
                  "client_secret": SECRET}  # fmt: skip
    channel = webhook_channel(db, tenant, "shopify", "USD", connection)
    body = json.dumps(payload).encode()
    headers = {
        "X-Shopify-Hmac-SHA256": hmac_sha256_base64(SECRET, body),
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Webhook-Id": "bad-price-1",
    }
    response = channel.post(body, headers)
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    with tenant() as uow:
        e, i = sync_errors.c, inbox_records.c
        mine = channel.channel_id
        errors = uow.session.execute(
            select(e.stage, e.record, e.field, e.reason).where(e.channel_id == mine)
        ).all()
        inbox = uow.session.execute(select(i.status, i.payload).where(i.channel_id == mine)).all()
        orders = uow.session.execute(
            select(func.count()).select_from(t.orders).where(t.orders.c.channel_id == mine)
        ).scalar()
    assert [(r.stage, r.record, r.field) for r in errors] == [
        ("map", "shopify order #1001 line 466157049", "price")
    ]
    assert "not floats" in errors[0].reason
    assert [(r.status, r.payload) for r in inbox] == [("failed", payload)]  # kept to replay
    assert orders == 0
