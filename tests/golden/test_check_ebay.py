"""The eBay corpus covers what eBay sends, and its checker refuses broken fixtures."""

from __future__ import annotations

import copy

from tests.golden import cases, check_ebay

CASES = {c.name: c for c in cases.load("ebay")}


def test_the_corpus_covers_what_ebay_sends() -> None:
    orders = [c.payload for c in CASES.values()]
    lines = [li for o in orders for li in o["lineItems"]]
    assert len(orders) >= 8
    assert any(len(o["lineItems"]) >= 60 for o in orders)
    assert any("sku" not in li for li in lines)
    assert any(li["refunds"] for li in lines)
    assert any(o["paymentSummary"]["refunds"] for o in orders)
    assert any(o["cancelStatus"]["cancelState"] == "CANCELED" for o in orders)
    assert any(o.get("ebayCollectAndRemitTax") for o in orders)
    assert {o["pricingSummary"]["total"]["currency"] for o in orders} >= {"USD", "GBP"}


def test_a_positive_price_discount_is_refused() -> None:
    order = copy.deepcopy(CASES["promotions-spread-over-lines"].payload)
    order["pricingSummary"]["priceDiscount"]["value"] = "15.00"
    found = check_ebay.problems(order)
    assert "priceDiscount is positive" in found
    assert "total 80.00 != 110.00" in found


def test_a_line_total_that_forgets_its_promotion_is_refused() -> None:
    order = copy.deepcopy(CASES["promotions-spread-over-lines"].payload)
    order["lineItems"][0]["total"]["value"] = "40.00"
    assert check_ebay.problems(order) == ["line 100000000004: total 40.00 != 35.00"]


def test_a_refund_larger_than_the_partial_status_allows_is_refused() -> None:
    order = copy.deepcopy(CASES["refund-per-line-item"].payload)
    order["lineItems"][1]["refunds"] = [
        {"amount": {"value": "76.00", "currency": "USD"}, "refundId": "x"}
    ]
    assert check_ebay.problems(order) == ["PARTIALLY_REFUNDED but 106.00 of 106.00 refunded"]


def test_a_fulfilment_status_the_lines_contradict_is_refused() -> None:
    order = copy.deepcopy(CASES["partly-fulfilled-with-marketplace-fee"].payload)
    order["orderFulfillmentStatus"] = "FULFILLED"
    assert check_ebay.problems(order) == ["orderFulfillmentStatus FULFILLED != IN_PROGRESS"]
