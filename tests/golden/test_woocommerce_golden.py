"""The WooCommerce golden corpus: each case's own arithmetic, then the case through the
connector's real pull path (GET /orders and /orders/<id>/refunds faked with `responses`)
and through the signed webhook endpoint + ingest on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import responses

from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from connectors.toolkit import ConnectorContext, hmac_sha256_base64
from hub.db.unit_of_work import UnitOfWork
from mapping.platforms.woocommerce import map_order
from tests.conftest import Database
from tests.golden import check_woocommerce
from tests.golden.cases import GoldenCase, load
from tests.golden.harness import (
    SECRET,
    compare,
    context,
    stated_disagreements,
    webhook_channel,
    with_http,
)

CASES = load("woocommerce")
STORE = "https://shop.example.com"
API = f"{STORE}/wp-json/wc/v3/"
CONNECTION = {
    "store_url": STORE,
    "consumer_key": "ck_golden",
    "consumer_secret": "cs_golden",
    "webhook_secret": SECRET,
}


def test_the_corpus_has_at_least_eight_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case_adds_up_by_woocommerces_rules(case: GoldenCase) -> None:
    assert check_woocommerce.check(case) == []


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("documented_order_727", "total", "29.45"),
        ("prices_include_tax_eu_vat", "cart_tax", "23.78"),
        ("coupon_spread_over_lines", "discount_total", "7.00"),
        ("jpy_zero_decimals", "total", "5740.50"),
    ],
)
def test_the_checker_refuses_a_fixture_that_breaks_woocommerces_arithmetic(
    name: str, key: str, value: str
) -> None:
    case = copy.deepcopy(next(c for c in CASES if c.name == name))
    case.payload[key] = value
    assert check_woocommerce.check(case) != []


def test_the_checker_refuses_a_refund_whose_amount_disagrees_with_the_order() -> None:
    case = copy.deepcopy(next(c for c in CASES if c.name == "full_refund_restocked"))
    case.http["orders/807/refunds"][0]["amount"] = "58.00"
    assert check_woocommerce.check(case) != []


def _serve(mock: responses.RequestsMock, case: GoldenCase) -> None:
    for path, body in case.http.items():
        mock.add(responses.GET, API + path, json=body)


def _connector() -> WooCommerceConnector:
    config = WooCommerceConfig.model_validate(CONNECTION)
    return WooCommerceConnector(config, ConnectorContext(sleep=lambda s: None))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_case_pulled_through_the_connector(case: GoldenCase) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(
            responses.GET, API + "orders", json=[case.payload], headers={"X-WP-TotalPages": "1"}
        )
        _serve(mock, case)
        (page,) = list(_connector().iter_order_pages(datetime(2017, 1, 1, tzinfo=UTC)))
    (record,) = page.records
    assert compare(map_order(record.payload, context("woocommerce")), case) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_case_through_the_signed_webhook_and_ingest(
    case: GoldenCase, db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    channel = webhook_channel(db, tenant, "woocommerce", case.payload["currency"], CONNECTION)
    body = json.dumps(case.payload, ensure_ascii=False).encode()
    headers = {
        "X-WC-Webhook-Signature": hmac_sha256_base64(SECRET, body),
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Delivery-ID": f"golden-{case.name}",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _serve(mock, case)
        response = channel.post(body, headers)
    assert (response.status_code, response.json()["status"]) == (200, "accepted")
    assert channel.stored_mismatches(str(case.payload["id"]), case) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_mapped_order_recomputes_the_totals_the_platform_states(case: GoldenCase) -> None:
    """What the hub's self-check relies on: from the mapped lines, shipping, fees and tax
    the hub arrives at every total the platform itself states."""
    assert stated_disagreements(map_order(with_http(case), context("woocommerce"))) == []
