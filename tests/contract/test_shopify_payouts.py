"""Shopify Payments payouts pulled through the Admin GraphQL API, the queries and mocked
answers validated against Shopify's 2025-01 schema, mapped into settlements."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import responses

from connectors.base import Capability, PayoutSource
from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.shop_platforms.shopify import queries as q
from connectors.toolkit import ConnectorContext, LocalRateBudgets
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.settlements import LineKind
from tests.contract import payout_docs as pd
from tests.contract import shopify_docs as docs

URL = "https://hub-demo.myshopify.com/admin/api/2025-01/graphql.json"


@pytest.fixture
def shop() -> ShopifyConnector:
    config = ShopifyConnector.config_model.model_validate(
        {"shop_url": "https://hub-demo.myshopify.com", "access_token": "shpat_abc"}
    )
    return ShopifyConnector(
        config, ConnectorContext(f"t-{uuid.uuid4().hex[:6]}", LocalRateBudgets())
    )


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.mark.parametrize("document", [q.PAYOUTS, q.PAYOUT_TRANSACTIONS])
def test_payout_queries_are_valid_for_the_pinned_api_version(document: str) -> None:
    docs.check_document(document)


def test_the_connector_declares_and_implements_payouts(shop: ShopifyConnector) -> None:
    assert Capability.PULL_PAYOUTS in shop.capabilities
    assert isinstance(shop, PayoutSource)


def test_a_payout_is_pulled_with_every_page_of_its_balance_transactions(
    shop: ShopifyConnector, api: responses.RequestsMock
) -> None:
    txs = pd.shopify_transactions()
    payouts_body = pd.shopify_page("payouts", [pd.shopify_payout()])
    first = pd.shopify_page("balanceTransactions", txs[:3], more=True, end="c3")
    second = pd.shopify_page("balanceTransactions", txs[3:])
    docs.check_response(q.PAYOUTS, {"first": 50}, payouts_body)
    docs.check_response(q.PAYOUT_TRANSACTIONS, {"first": 100}, first)
    for body in (payouts_body, first, second):
        api.post(URL, json=body)
    (raw,) = list(shop.iter_payouts(datetime(2026, 11, 1, tzinfo=UTC)))
    sent = [json.loads(c.request.body) for c in api.calls]
    assert sent[0]["variables"]["query"] == "issued_at:>='2026-11-01T00:00:00Z'"
    assert sent[1]["variables"]["query"] == "payments_transfer_id:77"
    assert sent[2]["variables"]["after"] == "c3"
    settlement = shop.map_payout(raw, "shop")
    settlement.check()  # the lines add up to the net paid out
    assert settlement.net == Money.of("89.61", "USD")
    assert settlement.paid_on == date(2026, 11, 8) and settlement.settled
    kinds = [(ln.kind, ln.amount.amount, ln.order, ln.fee_type) for ln in settlement.lines]
    assert kinds == [
        (LineKind.SALE, Decimal("110.00"), pd.SHOPIFY_ORDER_1, None),
        (LineKind.FEE, Decimal("-3.49"), pd.SHOPIFY_ORDER_1, "payment_processing"),
        (LineKind.SALE, Decimal("55.00"), pd.SHOPIFY_ORDER_2, None),
        (LineKind.FEE, Decimal("-1.90"), pd.SHOPIFY_ORDER_2, "payment_processing"),
        (LineKind.REFUND, Decimal("-55.00"), pd.SHOPIFY_ORDER_2, None),
        (LineKind.RESERVE, Decimal("-10.00"), None, None),
        (LineKind.FEE, Decimal("-5.00"), None, "shipping_label"),
    ]
    assert settlement.fees_by_order()[pd.SHOPIFY_ORDER_2] == {
        "payment_processing": Money.of("1.90", "USD")
    }


def test_a_transaction_whose_net_is_not_amount_less_fee_is_refused_naming_it() -> None:
    from mapping.payouts.shopify import map_payout

    bad = pd.shopify_tx(9, "CHARGE", "10.00", "1.00", "8.00", pd.SHOPIFY_ORDER_1)
    with pytest.raises(InvalidValue) as caught:
        map_payout({"payout": pd.shopify_payout(), "transactions": [bad]}, "shop")
    assert "ShopifyPaymentsBalanceTransaction/9" in str(caught.value)
    assert "net" in str(caught.value)
