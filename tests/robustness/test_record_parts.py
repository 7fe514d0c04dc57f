"""A record whose part is read by a call of its own (WooCommerce refunds, Amazon order
items, Shopify's further line pages) and that call fails for good, or a record whose
fields are not in the documented shape: only that record is skipped, naming it and the
field; the rest of the page is kept. A transient failure still stops the pull, to be
retried. Found by the fuzz suite (each pull used to stop on the bad record, every time).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from connectors.base import Page, RetriableError, SkippableRecordError
from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from connectors.toolkit import ConnectorContext, LocalRateBudgets
from tests.contract import amazon_docs, medusa_docs, shopify_docs
from tests.golden.pulls import CONNECTORS
from tests.integration.stored_connection import STORE, woo_order
from tests.robustness.ways_in import FAULTS, SHOPIFY_GRAPHQL, SHOPIFY_SHOP, Fault, serve_pull

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
# The edge faults that are the platform's (or a proxy's) final word on one record.
FINAL = [f for f in FAULTS if f is not None]


def _pull(connector: Any, platform: str, payloads: list[Any], fault: Fault | None) -> Page:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve_pull(api, platform, payloads, fault)
        (page,) = list(connector.iter_order_pages(SINCE))
        return page


def _skipped(page: Page) -> list[tuple[str, str]]:
    return [(s.record_id, s.field) for s in page.skipped]


def _woo() -> WooCommerceConnector:
    config = WooCommerceConfig.model_validate(
        {"store_url": STORE, "consumer_key": "ck_x", "consumer_secret": "cs_x"}
    )
    return WooCommerceConnector(config, ConnectorContext(sleep=lambda s: None))


def _shopify() -> ShopifyConnector:
    config = ShopifyConnector.config_model.model_validate(
        {"shop_url": SHOPIFY_SHOP, "access_token": "shpat_x"}
    )
    return ShopifyConnector(config, ConnectorContext("t", LocalRateBudgets(), None, lambda s: 0))


def _amazon_order(n: int) -> dict[str, Any]:
    items = {"payload": {"AmazonOrderId": "", "OrderItems": [amazon_docs.item(n)]}}
    order = amazon_docs.order(n)
    items["payload"]["AmazonOrderId"] = order["AmazonOrderId"]
    return {"Order": order, "OrderItemsPages": [items]}


@pytest.mark.parametrize("fault", FINAL, ids=repr)
def test_amazon_order_items_answered_badly_skip_that_order_naming_order_items(
    fault: Fault,
) -> None:
    first, second = _amazon_order(1), _amazon_order(2)
    page = _pull(CONNECTORS["amazon"](), "amazon", [first, second], fault)
    ids = [first["Order"]["AmazonOrderId"], second["Order"]["AmazonOrderId"]]
    assert _skipped(page) == [(ids[0], "OrderItems"), (ids[1], "OrderItems")]
    assert all(s.payload is not None for s in page.skipped)  # the raw order is kept


def test_amazon_order_items_of_an_unknown_order_404_skip_it_and_keep_the_rest() -> None:
    good, unknown = _amazon_order(1), _amazon_order(2)
    del unknown["OrderItemsPages"]  # Amazon answers 404 for it
    page = _pull(CONNECTORS["amazon"](), "amazon", [good, unknown], None)
    assert [r.external_id for r in page.records] == [good["Order"]["AmazonOrderId"]]
    assert _skipped(page) == [(unknown["Order"]["AmazonOrderId"], "OrderItems")]


def test_amazon_order_items_failing_transiently_still_stop_the_pull_to_retry() -> None:
    connector = CONNECTORS["amazon"]()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        serve_pull(api, "amazon", [_amazon_order(1)], Fault(503, {"errors": []}))
        with pytest.raises(RetriableError):
            list(connector.iter_order_pages(SINCE))


@pytest.mark.parametrize("fault", [f for f in FINAL if f.body != []], ids=repr)
def test_woocommerce_refunds_answered_badly_skip_that_order_naming_refunds(fault: Fault) -> None:
    refunded = woo_order(7, "2026-11-01T10:00:00")
    refunded["refunds"] = [{"id": 9, "reason": "", "total": "-1.00"}]
    plain = woo_order(8, "2026-11-01T10:00:00")
    page = _pull(_woo(), "woocommerce", [refunded, plain], fault)
    assert [r.external_id for r in page.records] == ["8"]
    assert _skipped(page) == [("7", "refunds")]


def _shopify_order(lines: int) -> dict[str, Any]:
    order = shopify_docs.order(5)
    first = order["lineItems"]["nodes"][0]
    order["lineItems"]["nodes"] = [
        {**first, "id": f"gid://shopify/LineItem/{n}"} for n in range(lines)
    ]
    return order


@pytest.mark.parametrize("fault", FINAL, ids=repr)
def test_shopify_further_line_pages_answered_badly_skip_that_order(fault: Fault) -> None:
    page = _pull(_shopify(), "shopify", [_shopify_order(4), shopify_docs.order(6)], fault)
    assert [r.external_id for r in page.records] == ["gid://shopify/Order/6"]
    assert _skipped(page) == [("gid://shopify/Order/5", "lineItems")]


def test_shopify_further_line_pages_are_read_after_the_first() -> None:
    page = _pull(_shopify(), "shopify", [_shopify_order(5)], None)
    (record,) = page.records
    assert len(record.payload["lineItems"]["nodes"]) == 5


@pytest.mark.parametrize("info", ["yes", [], {"hasNextPage": "true"}, {"hasNextPage": None}])
def test_shopify_line_page_info_not_in_the_schemas_shape_skips_the_order(info: Any) -> None:
    """Whether lines are missing cannot be told: the order is not taken as complete."""
    order = shopify_docs.order(5)
    order["lineItems"]["pageInfo"] = info
    body = {"data": {"orders": {"pageInfo": {"hasNextPage": False}, "nodes": [order]}}}
    with responses.RequestsMock() as api:
        api.post(SHOPIFY_GRAPHQL, json=body)
        (page,) = list(_shopify().iter_order_pages(SINCE))
    assert (page.records, _skipped(page)) == ([], [("gid://shopify/Order/5", "lineItems")])


@pytest.mark.parametrize("collections", ["x", [None], ["paid"], {"updated_at": "2026"}])
def test_medusa_payment_collections_not_a_list_of_objects_skip_that_order(
    collections: Any,
) -> None:
    bad, good = medusa_docs.order(1), medusa_docs.order(2)
    bad["payment_collections"] = collections
    page = _pull(CONNECTORS["medusa"](), "medusa", [bad, good], None)
    assert [r.external_id for r in page.records] == [good["id"]]
    assert _skipped(page) == [(bad["id"], "payment_collections")]
    with pytest.raises(SkippableRecordError, match="payment_collections"):
        CONNECTORS["medusa"]().to_record(bad)
