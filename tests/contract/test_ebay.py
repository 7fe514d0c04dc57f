"""eBay connector and mapper against mocks validated by eBay's OpenAPI documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from pydantic import SecretStr
from responses import matchers

from connectors.base import FulfillmentPush, StockLevelUpdate
from connectors.shop_platforms.ebay import EbayConfig, EbayConnector
from connectors.shop_platforms.ebay.connector import SCOPES
from connectors.toolkit import ConnectorContext, InMemoryTokenStore, LocalRateBudgets, TokenSet
from hub.domain.money import Money
from hub.domain.orders import OrderStatus
from mapping.mapper import Context
from mapping.platforms.ebay import map_order
from tests.contract import ebay_docs as docs

API = "https://api.ebay.com/"
CTX = Context(1, 2, "ebay")


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def ebay(expired: bool = False) -> EbayConnector:
    config = EbayConfig(client_id="HubApp", client_secret=SecretStr("cert-secret"))
    when = datetime.now(UTC) + (timedelta(minutes=-1) if expired else timedelta(hours=2))
    store = InMemoryTokenStore(TokenSet(SecretStr("v^old"), SecretStr("v^refresh"), when))
    return EbayConnector(
        config, ConnectorContext("ebay-t", LocalRateBudgets(), store, lambda s: None)
    )


def test_orders_are_filtered_by_last_modified_date_and_paged_by_offset(
    api: responses.RequestsMock,
) -> None:
    api.add(
        responses.POST,
        "https://api.ebay.com/identity/v1/oauth2/token",
        json={"access_token": "v^new", "expires_in": 7200, "token_type": "User Access Token"},
        match=[
            matchers.header_matcher({"Authorization": "Basic SHViQXBwOmNlcnQtc2VjcmV0"}),
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "v^refresh", "scope": SCOPES}
            ),
        ],
    )
    first = {
        "href": "x",
        "limit": 100,
        "offset": 0,
        "total": 101,
        "orders": [docs.order(n) for n in range(100)],
    }
    docs.check(docs.FULFILLMENT, "OrderSearchPagedCollection", first)
    wanted = {
        "filter": "lastmodifieddate:[2025-01-01T08:00:00.000Z..]",
        "limit": "100",
        "fieldGroups": "TAX_BREAKDOWN",  # or the total leaves out collect-and-remit tax
    }
    api.add(
        responses.GET,
        API + "sell/fulfillment/v1/order",
        json=first,
        match=[matchers.query_param_matcher({**wanted, "offset": "0"})],
    )
    api.add(
        responses.GET,
        API + "sell/fulfillment/v1/order",
        json={"limit": 100, "offset": 100, "total": 101, "orders": [docs.order(100)]},
        match=[matchers.query_param_matcher({**wanted, "offset": "100"})],
    )
    pages = list(ebay(expired=True).iter_order_pages(datetime(2025, 1, 1, 8, tzinfo=UTC)))
    assert sum(len(p.records) for p in pages) == 101
    assert api.calls[1].request.headers["Authorization"] == "Bearer v^new"


def test_stock_goes_in_bulk_and_a_multi_status_answer_is_read_per_sku(
    api: responses.RequestsMock,
) -> None:
    answer = {
        "responses": [
            {"statusCode": 200, "sku": "A", "errors": [], "warnings": []},
            {
                "statusCode": 400,
                "sku": "B",
                "warnings": [],
                "errors": [
                    {
                        "errorId": 25702,
                        "domain": "API_INVENTORY",
                        "category": "REQUEST",
                        "message": "The SKU B is not available in the system.",
                    }
                ],
            },
        ]
    }
    docs.check(docs.INVENTORY, "BulkPriceQuantityResponse", answer)
    api.add(
        responses.POST,
        API + "sell/inventory/v1/bulk_update_price_quantity",
        json=answer,
        status=207,
    )
    result = ebay().push_stock([StockLevelUpdate("A", 4), StockLevelUpdate("B", 0)])
    sent = json.loads(api.calls[0].request.body or b"")
    docs.check(docs.INVENTORY, "BulkPriceQuantity", sent)
    assert sent["requests"][0] == {"sku": "A", "shipToLocationAvailability": {"quantity": 4}}
    assert result.accepted == ["A"] and "25702" in result.rejected[0].reason


def test_a_shipment_carries_carrier_and_tracking(api: responses.RequestsMock) -> None:
    api.add(
        responses.POST,
        API + "sell/fulfillment/v1/order/12-00001-00001/shipping_fulfillment",
        status=201,
        headers={"Location": API + "sell/fulfillment/v1/order/x/shipping_fulfillment/9"},
    )
    push = FulfillmentPush("12-00001-00001", {"100000000001": 1}, "USPS", "9400111899223")
    assert ebay().push_fulfillment(push).accepted == ["12-00001-00001"]
    docs.check(
        docs.FULFILLMENT, "ShippingFulfillmentDetails", json.loads(api.calls[0].request.body or b"")
    )


def test_an_order_level_discount_is_spread_over_the_lines_to_the_cent() -> None:
    lines = [docs.line(i, f"S{i}", 1, "10.00") for i in range(3)]
    record = docs.order(1, lines, priceDiscount=docs.amount("-10.00"), total=docs.amount("25.00"))
    order = map_order(record, CTX)
    assert [ln.discount for ln in order.lines] == [
        Money.of("3.34", "USD"),
        Money.of("3.33", "USD"),
        Money.of("3.33", "USD"),
    ]
    assert order.grand_total == Money.of("25.00", "USD")


def test_line_promotions_are_not_spread_again_and_yen_has_no_cents() -> None:
    promo = [
        {"promotionId": "P1", "description": "5% off", "discountAmount": docs.amount("150", "JPY")}
    ]
    lines = [docs.line(1, None, 3, "3000", "JPY", appliedPromotions=promo)]
    record = docs.order(
        2,
        lines,
        "JPY",
        priceDiscount=docs.amount("-150", "JPY"),
        deliveryCost=docs.amount("500", "JPY"),
        total=docs.amount("3350", "JPY"),
    )
    order = map_order(record, CTX)
    assert order.lines[0].discount == Money.of(150, "JPY")
    assert order.lines[0].channel_sku is None  # no SKU: missing, never invented
    assert order.lines[0].mapping_key == "#110000000001"  # the listing id keys it
    assert order.grand_total == Money.of(3350, "JPY")


def test_a_buyer_paying_in_another_currency_keeps_the_rate() -> None:
    record = docs.order(
        3,
        total=docs.amount("29.00", "USD", convertedFromValue="26.65", convertedFromCurrency="EUR"),
    )
    order = map_order(record, CTX)
    assert order.presentment_currency == "EUR" and order.fx_source == "ebay:pricingSummary.total"
    assert order.fx_rate == Decimal("1.088180")


def test_a_cancelled_order_and_its_refund() -> None:
    record = docs.order(4)
    record["orderPaymentStatus"] = "FULLY_REFUNDED"
    record["cancelStatus"] = {
        "cancelState": "CANCELED",
        "cancelledDate": "2025-01-03T00:00:00.000Z",
        "cancelRequests": [],
    }
    record["paymentSummary"]["refunds"] = [
        {
            "refundId": "5000",
            "refundStatus": "REFUNDED",
            "refundDate": "2025-01-03T00:00:00.000Z",
            "amount": docs.amount("29.00"),
        }
    ]
    docs.check(docs.FULFILLMENT, "Order", record)
    order = map_order(record, CTX)
    assert order.status is OrderStatus.CANCELLED
    assert order.cancelled_at == datetime(2025, 1, 3, tzinfo=UTC)
    assert order.cancel_reason is None  # getOrders leaves cancelRequests empty
    assert order.financial_status == "refunded"
    assert [r.amount for r in order.refunds] == [Money.of("29.00", "USD")]


def test_a_discount_is_a_discount_whichever_sign_it_is_written_with() -> None:
    # eBay documents line promotions positive and priceDiscount negative; a payload that
    # writes either the other way round still takes the amount off, never adds it.
    promo = [{"promotionId": "P", "discountAmount": docs.amount("-2.00")}]
    lines = [docs.line(1, "CAP", 1, "20.00", appliedPromotions=promo)]
    record = docs.order(5, lines, priceDiscount=docs.amount("2.00"), total=docs.amount("23.00"))
    order = map_order(record, CTX)
    assert order.lines[0].discount == Money.of("2.00", "USD")
    assert order.grand_total == Money.of("23.00", "USD")
