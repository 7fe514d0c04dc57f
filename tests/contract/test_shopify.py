"""Shopify connector against mocks validated by Shopify's own 2025-01 schema."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.base import FulfillmentPush, StockLevelUpdate, WebhookRejected
from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.shop_platforms.shopify import queries as q
from connectors.toolkit import ConnectorContext, LocalRateBudgets, hmac_sha256_base64
from tests.contract import shopify_docs as docs

SECRET = "shpss_test_1"
URL = "https://hub-demo.myshopify.com/admin/api/2025-01/graphql.json"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def shop(sleeps: list[float]) -> ShopifyConnector:
    config = ShopifyConnector.config_model.model_validate(
        {
            "shop_url": "https://hub-demo.myshopify.com",
            "access_token": "shpat_abc",
            "client_secret": SECRET,
            "default_location_id": "gid://shopify/Location/1",
            "page_size": 2,
        }
    )
    context = ConnectorContext(f"t-{uuid.uuid4().hex[:6]}", LocalRateBudgets(), None, sleeps.append)
    return ShopifyConnector(config, context)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def sent(call: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(call.request.body)
    return body


@pytest.mark.parametrize("name", sorted(q.DOCUMENTS))
def test_every_document_is_valid_for_the_pinned_api_version(name: str) -> None:
    docs.check_document(q.DOCUMENTS[name])


def test_orders_are_pulled_by_updated_at_with_the_cursor_in_the_variables(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    first = {
        "data": {
            "orders": {
                "pageInfo": {"hasNextPage": True, "endCursor": "eyJsYXN0X2lkIjox"},
                "nodes": [docs.order(1), docs.order(2)],
            }
        },
        "extensions": {"cost": docs.throttle(1900.0)},
    }
    second = {
        "data": {
            "orders": {
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "nodes": [docs.order(3)],
            }
        }
    }
    for body in (first, second):
        api.add(
            responses.POST,
            URL,
            json=body,
            match=[matchers.header_matcher({"X-Shopify-Access-Token": "shpat_abc"})],
        )
    pages = list(shop.iter_order_pages(datetime(2025, 1, 1, 8, tzinfo=UTC)))
    ids = [r.external_id for p in pages for r in p.records]
    assert ids == [f"gid://shopify/Order/{n}" for n in (1, 2, 3)]
    one, two = sent(api.calls[0]), sent(api.calls[1])
    assert one["variables"] == {"first": 2, "query": "updated_at:>='2025-01-01T08:00:00Z'"}
    assert two["variables"]["after"] == "eyJsYXN0X2lkIjox"
    for call, body in ((one, first), (two, second)):
        docs.check_response(q.ORDERS, call["variables"], body)
    assert shop.http.budget is not None


def test_an_order_of_sixty_five_lines_is_read_whole(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    lines = [docs.line(i, f"SKU-{i}", 1, "1.00") for i in range(65)]
    big = docs.order(
        7, lineItems={"pageInfo": {"hasNextPage": True, "endCursor": "c40"}, "nodes": lines[:40]}
    )
    page = {
        "data": {"orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": [big]}}
    }
    rest = {
        "data": {
            "order": {
                "lineItems": {
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                    "nodes": lines[40:],
                }
            }
        }
    }
    api.add(responses.POST, URL, json=page)
    api.add(responses.POST, URL, json=rest)
    (got,) = list(shop.iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    nodes = got.records[0].payload["lineItems"]["nodes"]
    assert [n["sku"] for n in nodes] == [f"SKU-{i}" for i in range(65)]
    asked = sent(api.calls[1])
    assert asked["variables"] == {"id": "gid://shopify/Order/7", "after": "c40"}
    docs.check_response(q.ORDER_LINES, asked["variables"], rest)


@pytest.mark.parametrize("status", [200, 429])
def test_a_throttled_query_waits_until_the_bucket_holds_its_cost(
    shop: ShopifyConnector, api: responses.RequestsMock, sleeps: list[float], status: int
) -> None:
    throttled = {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": {"cost": docs.throttle(152.0, requested=752, restore=100.0)},
    }
    ok = {
        "data": {
            "orders": {
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "nodes": [docs.order(1)],
            }
        }
    }
    api.add(responses.POST, URL, json=throttled, status=status)
    api.add(responses.POST, URL, json=ok)
    (page,) = list(shop.iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    assert len(page.records) == 1
    assert 6.0 in sleeps  # (752 - 152) points / 100 per second


def test_a_query_error_is_not_retried(shop: ShopifyConnector, api: responses.RequestsMock) -> None:
    api.add(responses.POST, URL, json={"errors": [{"message": "Field 'x' doesn't exist"}]})
    with pytest.raises(Exception, match="doesn't exist"):
        list(shop.iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    assert len(api.calls) == 1


def test_stock_is_set_per_item_and_location_with_compare_quantities(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    answer = {
        "data": {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {
                        "code": "COMPARE_QUANTITY_STALE",
                        "field": ["input", "quantities", "1", "compareQuantity"],
                        "message": "The compareQuantity value does not match the current quantity.",
                    }
                ],
            }
        }
    }
    api.add(responses.POST, URL, json=answer)
    updates = [
        StockLevelUpdate("30322695", 7, "gid://shopify/Location/2", expected=9),
        StockLevelUpdate("30322696", 0, None, expected=4),
    ]
    result = shop.push_stock(updates)
    variables = sent(api.calls[0])["variables"]
    docs.check_response(q.SET_QUANTITIES, variables, answer)
    assert variables["input"]["ignoreCompareQuantity"] is False
    assert variables["input"]["quantities"] == [
        {
            "inventoryItemId": "gid://shopify/InventoryItem/30322695",
            "locationId": "gid://shopify/Location/2",
            "quantity": 7,
            "compareQuantity": 9,
        },
        {
            "inventoryItemId": "gid://shopify/InventoryItem/30322696",
            "locationId": "gid://shopify/Location/1",
            "quantity": 0,
            "compareQuantity": 4,
        },
    ]
    assert result.accepted == []  # all or nothing: the call set no quantity
    reasons = {r.key: r.reason for r in result.rejected}
    assert "COMPARE_QUANTITY_STALE" in reasons["30322696"]
    assert reasons["30322695"].startswith("not applied")


def test_a_call_level_user_error_rejects_the_whole_batch(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    answer = {
        "data": {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {
                        "code": "INVALID_REASON",
                        "field": ["input", "reason"],
                        "message": "bad reason",
                    }
                ],
            }
        }
    }
    api.add(responses.POST, URL, json=answer)
    result = shop.push_stock([StockLevelUpdate("1", 3), StockLevelUpdate("2", 4)])
    assert sent(api.calls[0])["variables"]["input"]["ignoreCompareQuantity"] is True
    assert result.accepted == [] and len(result.rejected) == 2


def test_locations_are_listed_for_the_warehouse_map(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    body = {
        "data": {
            "locations": {
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "nodes": [
                    {
                        "id": "gid://shopify/Location/1",
                        "legacyResourceId": "1",
                        "name": "Berlin",
                        "isActive": True,
                        "fulfillsOnlineOrders": True,
                    }
                ],
            }
        }
    }
    api.add(responses.POST, URL, json=body)
    (location,) = shop.list_locations()
    assert (location.id, location.name) == ("gid://shopify/Location/1", "Berlin")
    docs.check_response(q.LOCATIONS, {}, body)


def test_a_fulfillment_is_pushed_against_the_open_fulfillment_orders(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    orders = {
        "data": {
            "order": {
                "fulfillmentOrders": {
                    "nodes": [
                        {
                            "id": "gid://shopify/FulfillmentOrder/5",
                            "status": "OPEN",
                            "lineItems": {
                                "nodes": [
                                    {
                                        "id": "gid://shopify/FulfillmentOrderLineItem/51",
                                        "remainingQuantity": 2,
                                        "lineItem": {"id": "gid://shopify/LineItem/10"},
                                    },
                                    {
                                        "id": "gid://shopify/FulfillmentOrderLineItem/52",
                                        "remainingQuantity": 1,
                                        "lineItem": {"id": "gid://shopify/LineItem/11"},
                                    },
                                ]
                            },
                        }
                    ]
                }
            }
        }
    }
    created = {
        "data": {
            "fulfillmentCreate": {
                "fulfillment": {
                    "id": "gid://shopify/Fulfillment/9",
                    "status": "SUCCESS",
                    "trackingInfo": [{"company": "DHL Express", "number": "JD0146", "url": None}],
                },
                "userErrors": [],
            }
        }
    }
    api.add(responses.POST, URL, json=orders)
    api.add(responses.POST, URL, json=created)
    push = FulfillmentPush("gid://shopify/Order/1", {"10": 2}, "DHL Express", "JD0146")
    result = shop.push_fulfillment(push)
    variables = sent(api.calls[1])["variables"]
    docs.check_response(q.FULFILLMENT_ORDERS, sent(api.calls[0])["variables"], orders)
    docs.check_response(q.CREATE_FULFILLMENT, variables, created)
    assert variables["fulfillment"]["lineItemsByFulfillmentOrder"] == [
        {
            "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/5",
            "fulfillmentOrderLineItems": [
                {"id": "gid://shopify/FulfillmentOrderLineItem/51", "quantity": 2}
            ],
        }
    ]
    assert variables["fulfillment"]["trackingInfo"] == {
        "company": "DHL Express",
        "number": "JD0146",
    }
    assert result.accepted == ["gid://shopify/Order/1"] and result.calls == 2


def test_a_refund_webhook_re_reads_its_order(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    refund = {
        "id": 509562969,
        "order_id": 450789469,
        "created_at": "2025-01-03T10:00:00-05:00",
        "note": "wrong size",
        "restock": True,
        "refund_line_items": [],
        "admin_graphql_api_id": "gid://shopify/Refund/509562969",
    }
    body = json.dumps(refund).encode()
    answer = {"data": {"order": docs.order(450789469)}}
    api.add(responses.POST, URL, json=answer)
    headers = {
        "X-Shopify-Hmac-SHA256": hmac_sha256_base64(SECRET, body),
        "X-Shopify-Topic": "refunds/create",
        "X-Shopify-Webhook-Id": "d1",
    }
    delivery = shop.parse_webhook(headers, body)
    assert [r.external_id for r in delivery.records] == ["gid://shopify/Order/450789469"]
    docs.check_response(q.ORDER, sent(api.calls[0])["variables"], answer)
    with pytest.raises(WebhookRejected):
        shop.parse_webhook({**headers, "X-Shopify-Hmac-SHA256": "AAAA"}, body)


def test_a_rest_shaped_order_webhook_is_keyed_by_its_gid(shop: ShopifyConnector) -> None:
    order = {
        "id": 450789469,
        "admin_graphql_api_id": "gid://shopify/Order/450789469",
        "updated_at": "2025-01-02T10:00:00-05:00",
        "line_items": [],
    }
    body = json.dumps(order).encode()
    headers = {
        "X-Shopify-Hmac-SHA256": hmac_sha256_base64(SECRET, body),
        "X-Shopify-Topic": "orders/cancelled",
    }
    (record,) = shop.parse_webhook(headers, body).records
    assert record.external_id == "gid://shopify/Order/450789469"
    assert record.updated_at == datetime(2025, 1, 2, 15, tzinfo=UTC)
    assert re.match(r"gid://", record.external_id)
