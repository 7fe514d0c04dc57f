"""The Medusa corpus covers what Medusa sends, and its checker refuses broken fixtures."""

from __future__ import annotations

import copy

from tests.golden import cases, check_medusa

CASES = {c.name: c for c in cases.load("medusa")}


def test_the_corpus_covers_what_medusa_sends() -> None:
    orders = [c.payload for c in CASES.values()]
    items = [i for o in orders for i in o["items"]]
    assert len(orders) >= 4
    assert {i["is_tax_inclusive"] for i in items} == {True, False}
    assert any(i["variant_sku"] is None for i in items)
    assert any(i["adjustments"] for i in items)
    assert any(m["adjustments"] for o in orders for m in o["shipping_methods"])
    assert {o["currency_code"] for o in orders} >= {"eur", "usd", "jpy"}
    assert {o["fulfillment_status"] for o in orders} >= {"not_fulfilled", "partially_fulfilled"}


def test_the_recorded_order_is_consistent_and_a_changed_price_is_not() -> None:
    order = copy.deepcopy(CASES["peer-order-tax-inclusive-eur"].payload)
    assert check_medusa.problems(order) == []
    order["items"][0]["unit_price"] = 13.5
    found = check_medusa.problems(order)
    assert found[0].startswith("item ordli_01M80MANM0ATCWS4YPJQX3AK9C.subtotal: 21.0084")


def test_a_discount_without_its_tax_is_refused() -> None:
    order = copy.deepcopy(CASES["tax-exclusive-promotion-usd"].payload)
    item = order["items"][0]
    item["discount_total"] = item["discount_subtotal"]
    assert check_medusa.problems(order)[0].startswith(f"item {item['id']}.discount_total: 6")


def test_an_order_total_that_is_not_its_parts_is_refused() -> None:
    order = copy.deepcopy(CASES["free-shipping-and-a-custom-line-without-sku-eur"].payload)
    order["total"] = 28.3  # the free shipping counted
    assert check_medusa.problems(order) == ["order total: 28.3 != 23.400000"]


def test_a_fulfilment_status_the_items_contradict_is_refused() -> None:
    order = copy.deepcopy(CASES["captured-and-partly-fulfilled-eur"].payload)
    order["fulfillment_status"] = "fulfilled"
    assert check_medusa.problems(order) == ["fulfillment_status fulfilled != partially_fulfilled"]
