"""The Amazon corpus covers what Amazon sends, and its checker refuses broken fixtures."""

from __future__ import annotations

import copy

from tests.golden import cases, check_amazon

CASES = {c.name: c for c in cases.load("amazon")}


def test_the_corpus_covers_what_amazon_sends() -> None:
    payloads = [c.payload for c in CASES.values()]
    assert len(payloads) >= 8
    assert any(len(p["OrderItemsPages"]) > 1 for p in payloads)
    assert any(len(check_amazon.items(p)) >= 60 for p in payloads)
    assert {p["Order"]["OrderStatus"] for p in payloads} >= {"Pending", "Canceled", "Shipped"}
    assert {p["Order"]["FulfillmentChannel"] for p in payloads} == {"AFN", "MFN"}
    currencies = {i["ItemPrice"]["CurrencyCode"] for p in payloads for i in check_amazon.items(p)
                  if i.get("ItemPrice")}  # fmt: skip
    assert currencies >= {"USD", "EUR", "GBP", "JPY"}


def test_a_total_that_leaves_out_the_tax_is_refused() -> None:
    payload = copy.deepcopy(CASES["sandbox-us-unshipped"].payload)
    payload["Order"]["OrderTotal"]["Amount"] = "10.00"
    assert check_amazon.problems(payload) == ["OrderTotal 10.00 != 11.01 from the items"]


def test_a_broken_next_token_chain_is_refused() -> None:
    payload = copy.deepcopy(CASES["sixty-five-lines-three-item-pages"].payload)
    del payload["OrderItemsPages"][1]["payload"]["NextToken"]
    assert check_amazon.problems(payload) == ["page 1: NextToken missing"]


def test_a_pending_order_with_a_price_is_refused() -> None:
    payload = copy.deepcopy(CASES["reference-pending-without-money"].payload)
    item = payload["OrderItemsPages"][0]["payload"]["OrderItems"][0]
    item["ItemPrice"] = {"CurrencyCode": "USD", "Amount": "0.00"}
    assert check_amazon.problems(payload)[0].startswith("a Pending order states money")


def test_shipped_counts_that_disagree_with_the_items_are_refused() -> None:
    payload = copy.deepcopy(CASES["reference-item-pages-jp-partially-shipped"].payload)
    payload["OrderItemsPages"][0]["payload"]["OrderItems"][0]["QuantityShipped"] = 0
    found = check_amazon.problems(payload)
    assert "NumberOfItemsShipped 1 != 0" in found
    assert "OrderStatus PartiallyShipped with 0 shipped, 4 not" in found


def test_yen_with_cents_is_refused() -> None:
    payload = copy.deepcopy(CASES["reference-item-pages-jp-partially-shipped"].payload)
    payload["OrderItemsPages"][1]["payload"]["OrderItems"][0]["ItemTax"]["Amount"] = "100.50"
    assert "item 79039765272158.ItemTax: 100.50 has too many decimals" in (
        check_amazon.problems(payload)
    )
