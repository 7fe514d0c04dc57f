"""The Shopify golden corpus: each case's own arithmetic, then the case through the
connector's real pull path (GraphQL, HTTP faked with `responses` and checked against the
2025-01 schema) or the signed webhook endpoint + ingest on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.shop_platforms.shopify import queries as q
from connectors.toolkit import ConnectorContext, LocalRateBudgets, hmac_sha256_base64
from hub.db.unit_of_work import UnitOfWork
from mapping.platforms.shopify import map_order
from tests.conftest import Database
from tests.contract import shopify_docs as docs
from tests.golden import check_shopify
from tests.golden.cases import GoldenCase, load
from tests.golden.harness import (
    SECRET,
    compare,
    context,
    stated_disagreements,
    webhook_channel,
    with_http,
)

CASES = load("shopify")
GRAPHQL = [c for c in CASES if c.path == "graphql"]
SHOP = "https://golden.myshopify.com"
URL = f"{SHOP}/admin/api/2025-01/graphql.json"
FIRST_PAGE = 100  # lineItems(first: 100) in the ORDERS query
DOCUMENTED = "rest_documented_order_partially_refunded"
MULTI = "rest_multi_currency_shop_eur_presentment_usd"
CANCELLED = "rest_cancelled_fully_refunded_with_cancel_restock"
REFUNDED_PULL = "graphql_partial_refund_return_and_no_restock"


def test_the_corpus_covers_webhooks_and_graphql_pulls() -> None:
    assert len(CASES) >= 12 and len(GRAPHQL) >= 4 and len(CASES) - len(GRAPHQL) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case_adds_up_by_shopifys_rules(case: Any) -> None:
    assert check_shopify.check(case) == []


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        (DOCUMENTED, ("total_price",), "599.94"),
        (DOCUMENTED, ("line_items", 0, "discount_allocations", 0, "amount"), "3.35"),
        (MULTI, ("total_price_set", "presentment_money", "amount"), "1.00"),
        (CANCELLED, ("refunds", 0, "transactions", 0, "amount"), "53.00"),
        (REFUNDED_PULL, ("totalTaxSet", "shopMoney", "amount"), "7.69"),
        ("rest_partially_fulfilled", ("fulfillments", 0, "line_items", 0, "quantity"), 3),
        (REFUNDED_PULL, ("fulfillments", 1, "status"), "CANCELLED"),
    ],
)
def test_the_checker_refuses_a_fixture_that_breaks_shopifys_arithmetic(
    name: str, path: tuple[Any, ...], value: Any
) -> None:
    case = copy.deepcopy(next(c for c in CASES if c.name == name))
    target = case.payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert check_shopify.check(case) != []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_mapped_order_carries_the_expected_facts(case: Any) -> None:
    assert compare(map_order(case.payload, context("shopify")), case) == []


def _pages(node: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ORDERS answer (first 100 lines) and, for a bigger order, the ORDER_LINES one."""
    nodes = node["lineItems"]["nodes"]
    first = copy.deepcopy(node)
    more = len(nodes) > FIRST_PAGE
    first["lineItems"] = {
        "pageInfo": {"hasNextPage": more, "endCursor": "c100" if more else None},
        "nodes": nodes[:FIRST_PAGE],
    }
    orders = {
        "data": {
            "orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": [first]}
        }
    }
    if not more:
        return orders, None
    rest = {
        "data": {
            "order": {
                "lineItems": {
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                    "nodes": nodes[FIRST_PAGE:],
                }
            }
        }
    }
    return orders, rest  # fmt: skip


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _connector() -> ShopifyConnector:
    config = ShopifyConnector.config_model.model_validate(
        {"shop_url": SHOP, "access_token": "shpat_golden", "client_secret": SECRET, "page_size": 5}
    )
    return ShopifyConnector(
        config, ConnectorContext("golden", LocalRateBudgets(), None, lambda s: None)
    )


@pytest.mark.parametrize("case", GRAPHQL, ids=lambda c: c.name)
def test_a_graphql_case_pulled_through_the_connector(
    case: Any, api: responses.RequestsMock
) -> None:
    orders, rest = _pages(case.payload)
    api.add(responses.POST, URL, json=orders)
    if rest is not None:
        api.add(responses.POST, URL, json=rest)
    (page,) = list(_connector().iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    sent = json.loads(api.calls[0].request.body or b"")
    docs.check_response(q.ORDERS, sent["variables"], orders)  # the mock is what Shopify can send
    if rest is not None:
        docs.check_response(
            q.ORDER_LINES, json.loads(api.calls[1].request.body or b"")["variables"], rest
        )
    (record,) = page.records
    assert compare(map_order(record.payload, context("shopify")), case) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_case_through_the_signed_webhook_and_ingest(
    case: Any, db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    """REST cases arrive as orders/updated; GraphQL cases as refunds/create, on which the
    connector re-reads the whole order with the ORDER query."""
    currency = case.payload.get("currency") or case.payload["currencyCode"]
    connection = {"shop_url": SHOP, "access_token": "shpat_golden", "client_secret": SECRET}
    channel = webhook_channel(db, tenant, "shopify", currency, connection)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        if case.path == "graphql":
            legacy = case.payload["legacyResourceId"]
            body = json.dumps({"id": 1, "order_id": int(legacy), "refund_line_items": []}).encode()
            topic = "refunds/create"
            answer = {"data": {"order": case.payload}}
            mock.add(responses.POST, URL, json=answer)
        else:
            body = json.dumps(case.payload, ensure_ascii=False).encode()
            topic = "orders/updated"
        headers = {
            "X-Shopify-Hmac-SHA256": hmac_sha256_base64(SECRET, body),
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": f"golden-{case.name}",
        }
        response = channel.post(body, headers)
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    gid = case.payload.get("admin_graphql_api_id") or case.payload["id"]
    assert channel.stored_mismatches(str(gid), case) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_mapped_order_recomputes_the_totals_the_platform_states(case: GoldenCase) -> None:
    """What the hub's self-check relies on: from the mapped lines, shipping, fees and tax
    the hub arrives at every total the platform itself states."""
    assert stated_disagreements(map_order(with_http(case), context("shopify"))) == []
