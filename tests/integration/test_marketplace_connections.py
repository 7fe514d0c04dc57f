"""Amazon and eBay connected the documented way (`hub connections add` with the seller's
refresh token): the token is kept encrypted, and the first pull trades it for an access
token at the platform's token endpoint and keeps that in the connection's row. HTTP is
mocked at the edge in the shape of the official docs (tests/contract/*_docs.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import responses
import sqlalchemy as sa
from responses import matchers

from connectors.registry import default_registry
from connectors.toolkit import LocalRateBudgets
from hub.crypto import SecretBox, derive_key
from hub.db.unit_of_work import UnitOfWork
from hub.services import connections as svc
from hub.services.connections import OAUTH
from tests.conftest import Database
from tests.contract import amazon_docs, ebay_docs

BOX = SecretBox([derive_key("test-secret")])
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


def _add(tenant: Callable[[], UnitOfWork], connector: str, values: dict[str, object]) -> int:
    view = svc.add_connection(
        tenant(), BOX, default_registry, connector=connector, display_name=connector, values=values
    )
    assert "refresh_token" in view.secret_fields
    return view.id


def _stored(db: Database, connection_id: int) -> dict[str, object]:
    with db.engine.connect() as conn:
        sealed = conn.execute(
            sa.text("SELECT credentials FROM connections WHERE id = :id"), {"id": connection_id}
        ).scalar_one()
    assert "Atzr|seller" not in str(sealed) and "v^1.1#seller" not in str(sealed)
    blob: dict[str, object] = BOX.open(sealed, "test")
    return blob


@responses.activate
def test_an_amazon_connection_pulls_with_the_sellers_lwa_refresh_token(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    values = {
        "marketplace_ids": ["ATVPDKIKX0DER"],
        "seller_id": "A2SELLER",
        "lwa_client_id": "amzn1.application-oa2-client.x",
        "lwa_client_secret": "lwa-secret",
        "refresh_token": "Atzr|seller",
    }
    connection_id = _add(tenant, "amazon", values)
    responses.add(
        responses.POST,
        "https://api.amazon.com/auth/o2/token",
        json={"access_token": "Atza|fresh", "token_type": "bearer", "expires_in": 3600},
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "Atzr|seller",
                    "client_id": "amzn1.application-oa2-client.x",
                    "client_secret": "lwa-secret",
                }
            )
        ],
    )
    order = amazon_docs.order(1, "Canceled", OrderItems=[])
    responses.add(
        responses.GET,
        "https://sellingpartnerapi-na.amazon.com/orders/v0/orders",
        json=amazon_docs.orders_page([order]),
    )
    amazon = svc.open_connector(tenant, BOX, default_registry, LocalRateBudgets(), connection_id)
    records = [r for page in amazon.iter_order_pages(SINCE) for r in page.records]
    assert [r.external_id for r in records] == [order["AmazonOrderId"]]
    assert responses.calls[1].request.headers["x-amz-access-token"] == "Atza|fresh"
    kept = _stored(db, connection_id)[OAUTH]
    assert isinstance(kept, dict) and kept["access_token"] == "Atza|fresh"


@responses.activate
def test_an_ebay_connection_pulls_with_the_sellers_user_refresh_token(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    values = {"client_id": "HubApp", "client_secret": "cert", "refresh_token": "v^1.1#seller"}
    connection_id = _add(tenant, "ebay", values)
    responses.add(
        responses.POST,
        "https://api.ebay.com/identity/v1/oauth2/token",
        json={
            "access_token": "v^1.1#access",
            "expires_in": 7200,
            "token_type": "User Access Token",
        },
    )
    responses.add(
        responses.GET,
        "https://api.ebay.com/sell/fulfillment/v1/order",
        json={"limit": 100, "offset": 0, "total": 1, "orders": [ebay_docs.order(1)]},
    )
    ebay = svc.open_connector(tenant, BOX, default_registry, LocalRateBudgets(), connection_id)
    records = [r for page in ebay.iter_order_pages(SINCE) for r in page.records]
    assert len(records) == 1
    form = dict(x.split("=", 1) for x in str(responses.calls[0].request.body).split("&"))
    assert form["grant_type"] == "refresh_token" and "seller" in form["refresh_token"]
    assert responses.calls[1].request.headers["Authorization"] == "Bearer v^1.1#access"
    assert json.dumps(_stored(db, connection_id)[OAUTH]).count("v^1.1#access") == 1
