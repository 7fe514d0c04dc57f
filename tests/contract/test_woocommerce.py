"""WooCommerce specifics beyond the shared contract: the documented request shapes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from responses import matchers

from connectors.base import Capability, StockLevelUpdate, WebhookRejected
from connectors.registry import default_registry
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from connectors.toolkit import ConnectorContext, hmac_sha256_base64
from tests.contract import woocommerce_docs as docs

API = "https://shop.example.com/wp-json/wc/v3/"


def connector(url: str = "https://shop.example.com") -> WooCommerceConnector:
    config = WooCommerceConfig(
        store_url=url,
        consumer_key="ck_live_1",
        consumer_secret="cs_live_2",
        webhook_secret="wh_3",
    )
    return WooCommerceConnector(config, ConnectorContext(sleep=lambda s: None))


def test_the_registry_finds_woocommerce_by_its_entry_point() -> None:
    assert default_registry.load("woocommerce") is WooCommerceConnector
    info = default_registry.describe("woocommerce")
    assert Capability.PUSH_STOCK in info.capabilities
    assert info.secret_fields == {
        "consumer_key",
        "consumer_secret",
        "webhook_secret",
        "stripe_secret_key",
    }


@responses.activate(assert_all_requests_are_fired=True)
def test_orders_are_asked_for_by_gmt_modification_time_with_basic_auth() -> None:
    documented = docs.documented_orders()
    wanted = {
        "modified_after": "2025-03-01T08:00:00",
        "dates_are_gmt": "true",
        "per_page": "100",
        "page": "1",
        "orderby": "date",
        "order": "asc",
        "status": "any",
    }
    responses.get(
        API + "orders",
        match=[matchers.query_param_matcher(wanted)],
        json=documented,
        headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"},
    )
    refunded = [o["id"] for o in documented if o["refunds"]]
    for order_id in refunded:
        responses.get(f"{API}orders/{order_id}/refunds", json=docs.documented_refunds())
    paris = timezone(timedelta(hours=1))
    (page,) = connector().iter_order_pages(datetime(2025, 3, 1, 9, 0, tzinfo=paris))
    assert [r.external_id for r in page.records] == [str(o["id"]) for o in documented]
    record = page.records[0]
    assert record.external_id == "727"
    assert record.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)  # the _gmt field
    assert record.payload == documented[0]
    with_refunds = next(r for r in page.records if r.external_id == str(refunded[0]))
    assert with_refunds.payload["refund_details"] == docs.documented_refunds()
    sent = responses.calls[0].request.headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"ck_live_1:cs_live_2").decode()


@responses.activate(assert_all_requests_are_fired=True)
def test_plain_http_stores_are_signed_with_oauth1_instead_of_basic() -> None:
    responses.get("http://shop.example.com/wp-json/wc/v3/orders", json=[])
    list(connector("http://shop.example.com").iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    request = responses.calls[0].request
    url = str(request.url)
    query = dict(parse_qsl(urlsplit(url).query))
    assert "Authorization" not in request.headers
    assert query["oauth_signature_method"] == "HMAC-SHA1" and query["oauth_signature"]
    assert "cs_live_2" not in url


@responses.activate(assert_all_requests_are_fired=True)
def test_one_order_is_fetched_by_id() -> None:
    responses.get(API + "orders/727", json=docs.documented_orders()[0])
    assert connector().get_order("727").external_id == "727"


def test_a_webhook_carries_its_topic_and_delivery_id() -> None:
    body = json.dumps(docs.order(727)).encode()
    headers = {
        "x-wc-webhook-signature": hmac_sha256_base64("wh_3", body),  # any header case
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Delivery-ID": "981",
    }
    delivery = connector().parse_webhook(headers, body)
    assert (delivery.topic, delivery.delivery_id) == ("order.updated", "981")
    assert delivery.records[0].external_id == "727"


@responses.activate(assert_all_requests_are_fired=True)
def test_variations_go_to_their_parents_batch_and_refusals_come_back_per_item() -> None:
    template = docs.documented_batch_response()["update"][0]
    responses.post(
        API + "products/batch",
        match=[
            matchers.json_params_matcher(
                {"update": [{"id": 93, "manage_stock": True, "stock_quantity": 4}]}
            )
        ],
        json={"update": [{**template, "id": 93, "stock_quantity": 4}]},
    )
    refused = {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."}
    responses.post(
        API + "products/22/variations/batch",
        match=[
            matchers.json_params_matcher(
                {
                    "update": [
                        {"id": 23, "manage_stock": True, "stock_quantity": 0},
                        {"id": 24, "manage_stock": True, "stock_quantity": 2},
                    ]
                }
            )
        ],
        json={"update": [{**template, "id": 23}, {"id": 24, "error": refused}]},
    )
    result = connector().push_stock(
        [
            StockLevelUpdate("93", 4),
            StockLevelUpdate("23", 0, parent_id="22"),
            StockLevelUpdate("24", 2, parent_id="22"),
        ]
    )
    assert result.calls == 2
    assert sorted(result.accepted) == ["23", "93"]
    assert [(r.key, r.reason) for r in result.rejected] == [
        ("24", "woocommerce_rest_product_invalid_id: Invalid ID.")
    ]


def test_the_unsigned_creation_ping_is_answered_without_records() -> None:
    ping = connector().parse_webhook({"User-Agent": "WooCommerce/8.0 Hookshot"}, b"webhook_id=12")
    assert (ping.topic, ping.records) == ("ping", ())
    # A ping-shaped body that claims a topic is a delivery: it must be signed.
    with pytest.raises(WebhookRejected):
        connector().parse_webhook({"X-WC-Webhook-Topic": "order.updated"}, b"webhook_id=12")
