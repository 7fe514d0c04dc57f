"""Amazon (SP-API Finances v0), eBay (Finances v1) and Stripe (for WooCommerce) payouts:
pulled page by page through the toolkit from mocks shaped as the official documents
show them (see tests/contract/payout_docs.py for the sources), mapped into settlements
whose lines add up to what was paid out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from pydantic import SecretStr

from connectors.base import Capability, PayoutSource, UnsupportedCapability
from connectors.shop_platforms.amazon import AmazonConfig, AmazonConnector
from connectors.shop_platforms.ebay import EbayConnector
from connectors.shop_platforms.woocommerce import WooCommerceConnector
from connectors.toolkit import ConnectorContext, InMemoryTokenStore, LocalRateBudgets, TokenSet
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.settlements import LineKind, SettlementDoesNotAddUp
from mapping.payouts import amazon as amazon_map
from tests.contract import payout_docs as pd

SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def context(token: str = "tok") -> ConnectorContext:
    when = datetime.now(UTC) + timedelta(hours=1)
    store = InMemoryTokenStore(TokenSet(SecretStr(token), SecretStr("refresh"), when))
    return ConnectorContext(f"t-{uuid.uuid4().hex[:6]}", LocalRateBudgets(), store)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(call.request.url).query)


def rows(settlement: Any) -> list[tuple[LineKind, Decimal, str | None, str | None]]:
    return [(ln.kind, ln.amount.amount, ln.order, ln.fee_type) for ln in settlement.lines]


# ---- Amazon --------------------------------------------------------------------------------

AMZ = "https://sellingpartnerapi-na.amazon.com/finances/v0/financialEventGroups"


def amazon() -> AmazonConnector:
    config = AmazonConfig(
        marketplace_ids=["ATVPDKIKX0DER"],
        seller_id="A2SELLER",
        lwa_client_id="amzn1.application-oa2-client.x",
        lwa_client_secret=SecretStr("lwa-secret"),
    )
    return AmazonConnector(config, context("Atza|live"))


def test_amazon_event_groups_and_their_events_are_paged_by_next_token(
    api: responses.RequestsMock,
) -> None:
    group = {"payload": {"FinancialEventGroupList": [pd.amazon_group()], "NextToken": "g2"}}
    api.get(AMZ, body=pd.amazon_json(group), content_type="application/json")
    api.get(AMZ, body=pd.amazon_json({"payload": {"FinancialEventGroupList": []}}),
            content_type="application/json")  # fmt: skip
    events = pd.amazon_events()
    first = {"ShipmentEventList": events["ShipmentEventList"]}
    rest = {k: v for k, v in events.items() if k != "ShipmentEventList"}
    url = f"{AMZ}/FEG-1/financialEvents"
    api.get(url, body=pd.amazon_json({"payload": {"FinancialEvents": first, "NextToken": "e2"}}),
            content_type="application/json")  # fmt: skip
    api.get(url, body=pd.amazon_json({"payload": {"FinancialEvents": rest}}),
            content_type="application/json")  # fmt: skip
    connector = amazon()
    assert Capability.PULL_PAYOUTS in connector.capabilities
    assert isinstance(connector, PayoutSource)
    (raw,) = list(connector.iter_payouts(SINCE))
    calls = api.calls
    assert query(calls[0])["FinancialEventGroupStartedAfter"] == ["2026-11-01T00:00:00Z"]
    assert calls[0].request.headers["x-amz-access-token"] == "Atza|live"
    assert query(calls[2])["NextToken"] == ["e2"] and query(calls[3])["NextToken"] == ["g2"]
    settlement = connector.map_payout(raw, "amazon")
    settlement.check()
    assert settlement.net == Money.of("67.60", "USD") and settlement.settled
    assert settlement.paid_on == date(2026, 11, 15)
    assert settlement.bank_reference == "AMZ-TRACE-7"
    order = "111-2222222-3333333"
    assert rows(settlement) == [
        (LineKind.SALE, Decimal("50.00"), order, None),
        (LineKind.SALE, Decimal("4.00"), order, None),
        (LineKind.FEE, Decimal("-7.50"), order, "Commission"),
        (LineKind.FEE, Decimal("-3.40"), order, "FBAPerUnitFulfillmentFee"),
        (LineKind.TAX, Decimal("-4.00"), order, None),
        (LineKind.FEE, Decimal("-39.99"), None, "Subscription"),
        (LineKind.ADJUSTMENT, Decimal("68.49"), None, "ReserveCredit"),
    ]
    # What the hub's order holds on clearing: the buyer's 54.00 less the 4.00 tax Amazon
    # remits as marketplace facilitator.
    assert settlement.per_order(frozenset({LineKind.SALE, LineKind.TAX}))[order].amount == 50


def test_amazon_money_given_as_a_float_literal_is_read_exactly() -> None:
    body = json.loads(pd.amazon_json({"x": pd.amazon_group("0.30")}), parse_float=Decimal)
    assert body["x"]["OriginalTotal"]["CurrencyAmount"] == Decimal("0.30")


def test_an_amazon_event_list_the_hub_does_not_map_is_refused_by_name_not_dropped() -> None:
    events = {**pd.amazon_events(), "ChargebackEventList": [{"AmazonOrderId": "1"}]}
    payload = json.loads(pd.amazon_json({"group": pd.amazon_group(), "events": events}),
                         parse_float=Decimal)  # fmt: skip
    with pytest.raises(InvalidValue) as caught:
        amazon_map.map_payout(payload, "amazon")
    assert "FEG-1" in str(caught.value) and "ChargebackEventList" in str(caught.value)


def test_an_amazon_group_whose_events_do_not_add_up_is_named_with_both_figures() -> None:
    payload = json.loads(
        pd.amazon_json({"group": pd.amazon_group("70.00"), "events": pd.amazon_events()}),
        parse_float=Decimal,
    )
    with pytest.raises(SettlementDoesNotAddUp) as caught:
        amazon_map.map_payout(payload, "amazon").check()
    assert "amazon:FEG-1" in str(caught.value)
    assert "67.60" in str(caught.value) and "70.00" in str(caught.value)


# ---- eBay -----------------------------------------------------------------------------------

EBAY = "https://apiz.ebay.com/sell/finances/v1"


def ebay(finances: bool = True) -> EbayConnector:
    config = EbayConnector.config_model.model_validate(
        {"client_id": "app-id", "client_secret": "cert", "finances": finances}
    )
    return EbayConnector(config, context("v^1.1#live"))  # type: ignore[arg-type]


def test_ebay_payouts_and_their_transactions_come_from_the_finances_api(
    api: responses.RequestsMock,
) -> None:
    api.get(f"{EBAY}/payout", json={"payouts": [pd.ebay_payout()], "total": 1, "limit": 200})
    api.get(f"{EBAY}/transaction",
            json={"transactions": pd.ebay_transactions(), "total": 3, "limit": 1000})  # fmt: skip
    connector = ebay()
    (raw,) = list(connector.iter_payouts(SINCE))
    assert query(api.calls[0])["filter"] == ["payoutDate:[2026-11-01T00:00:00.000Z..]"]
    assert query(api.calls[1])["filter"] == ["payoutId:{6000012345}"]
    assert api.calls[0].request.headers["Authorization"] == "Bearer v^1.1#live"
    settlement = connector.map_payout(raw, "ebay")
    settlement.check()
    assert settlement.net == Money.of("80.53", "USD") and settlement.settled
    order = "12-34567-89012"
    assert rows(settlement) == [
        (LineKind.SALE, Decimal("108.00"), order, None),
        (LineKind.FEE, Decimal("-13.25"), order, "FINAL_VALUE_FEE"),
        (LineKind.FEE, Decimal("-0.30"), order, "FINAL_VALUE_FEE_FIXED_PER_ORDER"),
        (LineKind.TAX, Decimal("-8.00"), order, None),
        (LineKind.FEE, Decimal("-7.92"), order, "SHIPPING_LABEL"),
        (LineKind.ADJUSTMENT, Decimal("2.00"), None, "credit"),
    ]
    assert settlement.fees_by_order()[order] == {
        "FINAL_VALUE_FEE": Money.of("13.25", "USD"),
        "FINAL_VALUE_FEE_FIXED_PER_ORDER": Money.of("0.30", "USD"),
        "SHIPPING_LABEL": Money.of("7.92", "USD"),
    }


def test_ebay_without_the_finances_scope_says_how_to_get_it() -> None:
    with pytest.raises(UnsupportedCapability, match=r"sell\.finances"):
        list(ebay(finances=False).iter_payouts(SINCE))


def test_ebay_fees_that_disagree_with_their_total_are_refused_naming_the_transaction() -> None:
    from mapping.payouts.ebay import map_payout

    txs = pd.ebay_transactions()
    txs[0]["totalFeeAmount"] = {"value": "14.00", "currency": "USD"}
    with pytest.raises(InvalidValue) as caught:
        map_payout({"payout": pd.ebay_payout(), "transactions": txs}, "ebay")
    assert "T-1" in str(caught.value) and "totalFeeAmount" in str(caught.value)


# ---- Stripe (WooCommerce) ---------------------------------------------------------------------

STRIPE = "https://api.stripe.com/v1"


def woo(stripe_key: str | None = "rk_live_abc") -> WooCommerceConnector:
    values: dict[str, Any] = {
        "store_url": "https://shop.example",
        "consumer_key": "ck_1",
        "consumer_secret": "cs_1",
    }
    if stripe_key:
        values["stripe_secret_key"] = stripe_key
    config = WooCommerceConnector.config_model.model_validate(values)
    return WooCommerceConnector(config, context())  # type: ignore[arg-type]


def test_stripe_payouts_of_a_woocommerce_shop_page_with_starting_after(
    api: responses.RequestsMock,
) -> None:
    api.get(f"{STRIPE}/payouts", json={"object": "list", "data": [pd.stripe_payout()],
                                       "has_more": False, "url": "/v1/payouts"})  # fmt: skip
    txs = pd.stripe_transactions()
    api.get(f"{STRIPE}/balance_transactions", json={"object": "list", "data": txs[:1],
            "has_more": True, "url": "/v1/balance_transactions"})  # fmt: skip
    api.get(f"{STRIPE}/balance_transactions", json={"object": "list", "data": txs[1:],
            "has_more": False, "url": "/v1/balance_transactions"})  # fmt: skip
    connector = woo()
    (raw,) = list(connector.iter_payouts(SINCE))
    assert api.calls[0].request.headers["Authorization"] == "Bearer rk_live_abc"
    assert query(api.calls[1])["payout"] == ["po_1OaFDbEcg9tTZuTgNYmX0PKB"]
    assert query(api.calls[1])["expand[]"] == ["data.source"]
    assert query(api.calls[2])["starting_after"] == ["txn_1"]
    settlement = connector.map_payout(raw, "woo")
    settlement.check()
    assert settlement.net == Money.of("42.12", "USD") and settlement.gateway == "stripe"
    assert settlement.bank_reference == "SHOP PAYOUT 11/12"
    assert rows(settlement) == [
        (LineKind.SALE, Decimal("33.00"), "501", None),
        (LineKind.FEE, Decimal("-1.26"), "501", "stripe_fee"),
        (LineKind.SALE, Decimal("11.00"), "502", None),
        (LineKind.FEE, Decimal("-0.62"), "502", "stripe_fee"),
    ]


def test_a_woocommerce_shop_without_a_stripe_key_is_told_what_to_set() -> None:
    with pytest.raises(UnsupportedCapability, match="stripe_secret_key"):
        list(woo(None).iter_payouts(SINCE))
