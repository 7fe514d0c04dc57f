"""Amazon SP-API connector and mapper, against mocks validated by Amazon's own models."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from pydantic import SecretStr
from responses import matchers

from connectors.base import FulfillmentPush, StockLevelUpdate
from connectors.shop_platforms.amazon import AmazonConfig, AmazonConnector
from connectors.toolkit import ConnectorContext, InMemoryTokenStore, LocalRateBudgets, TokenSet
from hub.domain.money import Money
from hub.domain.orders import OrderStatus
from mapping.mapper import Context
from mapping.platforms.amazon import map_order
from tests.contract import amazon_docs as docs

BASE = "https://sellingpartnerapi-na.amazon.com/"
CTX = Context(1, 2, "amazon", "USD")


@pytest.fixture
def sleeps() -> list[float]:
    return []


def connector(sleeps: list[float], expired: bool = False) -> AmazonConnector:
    config = AmazonConfig(
        marketplace_ids=["ATVPDKIKX0DER"],
        seller_id="A2SELLER",
        lwa_client_id="amzn1.application-oa2-client.x",
        lwa_client_secret=SecretStr("lwa-secret"),
    )
    when = datetime.now(UTC) + (timedelta(minutes=-5) if expired else timedelta(hours=1))
    store = InMemoryTokenStore(TokenSet(SecretStr("Atza|old"), SecretStr("Atzr|refresh"), when))
    key = f"amz-{uuid.uuid4().hex[:6]}"
    return AmazonConnector(config, ConnectorContext(key, LocalRateBudgets(), store, sleeps.append))


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_orders_by_last_update_with_next_token_and_their_items(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    token = {"access_token": "Atza|new", "token_type": "bearer", "expires_in": 3600}
    api.add(
        responses.POST,
        "https://api.amazon.com/auth/o2/token",
        json=token,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "Atzr|refresh",
                    "client_id": "amzn1.application-oa2-client.x",
                    "client_secret": "lwa-secret",
                }
            )
        ],
    )
    first = docs.orders_page([docs.order(1)], next_token="2YgYW55IGNhcm5hbCBwbGVhc3VyZS4=")
    api.add(
        responses.GET,
        BASE + "orders/v0/orders",
        json=first,
        headers={"x-amzn-RateLimit-Limit": "0.0167", "x-amzn-RequestId": "r1"},
        match=[
            matchers.query_param_matcher(
                {
                    "MarketplaceIds": "ATVPDKIKX0DER",
                    "LastUpdatedAfter": "2025-01-01T00:00:00Z",
                    "MaxResultsPerPage": "100",
                }
            )
        ],
    )
    order_id = docs.order(1)["AmazonOrderId"]
    api.add(
        responses.GET,
        f"{BASE}orders/v0/orders/{order_id}/orderItems",
        json=docs.items_page(order_id, [docs.item(1)], next_token="items-2"),
        match=[matchers.query_param_matcher({})],
    )
    api.add(
        responses.GET,
        f"{BASE}orders/v0/orders/{order_id}/orderItems",
        json=docs.items_page(order_id, [docs.item(2, "CAP")]),
        match=[matchers.query_param_matcher({"NextToken": "items-2"})],
    )
    api.add(
        responses.GET,
        BASE + "orders/v0/orders",
        json=docs.orders_page([docs.order(2, "Canceled", OrderItems=[])]),
        match=[
            matchers.query_param_matcher(
                {
                    "MarketplaceIds": "ATVPDKIKX0DER",
                    "LastUpdatedAfter": "2025-01-01T00:00:00Z",
                    "MaxResultsPerPage": "100",
                    "NextToken": "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4=",
                }
            )
        ],
    )
    amazon = connector(sleeps, expired=True)
    pages = list(amazon.iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    records = [r for p in pages for r in p.records]
    assert [len(r.payload["OrderItems"]) for r in records] == [2, 0]
    assert api.calls[1].request.headers["x-amz-access-token"] == "Atza|new"
    assert "Authorization" not in api.calls[1].request.headers
    assert amazon.http.budget is not None and amazon.items_http.budget is not amazon.http.budget


def test_stock_goes_through_patch_listings_item_for_merchant_fulfilment(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    answer = {
        "sku": "TENT-2P",
        "status": "INVALID",
        "submissionId": "s1",
        "issues": [
            {
                "code": "90220",
                "message": "'quantity' is required but not supplied.",
                "severity": "ERROR",
                "categories": ["MISSING_ATTRIBUTE"],
            }
        ],
    }
    docs.check("listingsItems_2021-08-01.json", "ListingsItemSubmissionResponse", answer)
    ok = {**answer, "sku": "CAP", "status": "ACCEPTED", "issues": []}
    api.add(
        responses.PATCH,
        f"{BASE}listings/2021-08-01/items/A2SELLER/TENT-2P",
        json=answer,
        match=[matchers.query_param_matcher({"marketplaceIds": "ATVPDKIKX0DER"})],
    )
    api.add(responses.PATCH, f"{BASE}listings/2021-08-01/items/A2SELLER/CAP", json=ok)
    result = connector(sleeps).push_stock(
        [StockLevelUpdate("TENT-2P", 3), StockLevelUpdate("CAP", 0)]
    )
    sent = json.loads(api.calls[0].request.body or b"")
    docs.check("listingsItems_2021-08-01.json", "ListingsItemPatchRequest", sent)
    assert sent["patches"][0]["value"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]
    assert result.accepted == ["CAP"] and "90220" in result.rejected[0].reason


def test_a_shipment_is_confirmed_with_its_tracking_number(
    api: responses.RequestsMock, sleeps: list[float]
) -> None:
    order_id = docs.order(1)["AmazonOrderId"]
    api.add(responses.POST, f"{BASE}orders/v0/orders/{order_id}/shipmentConfirmation", status=204)
    push = FulfillmentPush(order_id, {"68540000000001": 1}, "UPS", "1Z999AA10123456784")
    assert connector(sleeps).push_fulfillment(push).accepted == [order_id]
    docs.check(
        "ordersV0.json", "ConfirmShipmentRequest", json.loads(api.calls[0].request.body or b"")
    )


def test_a_pending_order_is_stored_without_prices_and_completed_by_its_update() -> None:
    pending = docs.order(3, "Pending", OrderItems=[docs.item(3, price=None, qty=2)])
    docs.check("ordersV0.json", "Order", {k: v for k, v in pending.items() if k != "OrderItems"})
    first = map_order(pending, CTX)
    assert first.status is OrderStatus.PENDING_REVIEW
    # Amazon states no money for a Pending order: unknown, never 0.00.
    assert first.lines[0].unit_price is None and first.lines[0].quantity == 2
    assert not first.amounts_known and first.unknown_amounts() == [
        "amounts",
        "lines[0].unit_price",
        "lines[0].discount",
        "lines[0].tax",
    ]
    later = docs.order(3, "Unshipped", OrderItems=[docs.item(3, qty=2, price="48.00")])
    second = map_order(later, CTX)
    assert second.status is OrderStatus.READY
    assert second.lines[0].unit_price == Money.of("24.00", "USD")
    assert second.grand_total == Money.of("53.00", "USD")


def test_an_afn_order_never_needs_hub_stock() -> None:
    order = map_order(docs.order(4, "Unshipped", "AFN", OrderItems=[docs.item(4)]), CTX)
    assert order.status is OrderStatus.COMPLETED and "AFN" in (order.status_reason or "")
    cancelled = map_order(docs.order(5, "Canceled", "AFN", OrderItems=[]), CTX)
    assert cancelled.status is OrderStatus.CANCELLED


def test_yen_vat_inclusive_marketplace_and_a_promotion() -> None:
    jp = docs.order(6, MarketplaceId="A1VC38T7YXB528", OrderTotal=docs.money("3300", "JPY"))
    line = docs.item(
        6,
        qty=3,
        ItemPrice=docs.money("3000", "JPY"),
        ItemTax=docs.money("273", "JPY"),
        ShippingPrice=docs.money("500", "JPY"),
        ShippingTax=docs.money("45", "JPY"),
        PromotionDiscount=docs.money("200", "JPY"),
    )
    docs.check("ordersV0.json", "OrderItem", line)
    order = map_order({**jp, "OrderItems": [line]}, CTX)
    assert order.currency == "JPY" and order.lines[0].unit_price == Money.of(1000, "JPY")
    assert order.tax_lines[0].inclusive and order.tax_lines[0].amount == Money.of(318, "JPY")
    assert order.grand_total == Money.of(3300, "JPY")
    assert order.lines[0].unit_price.amount == Decimal("1000")
