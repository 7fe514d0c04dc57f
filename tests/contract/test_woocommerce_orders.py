"""WooCommerce orders in full: the documented shapes mapped with every hard case, and
the fulfillment / cancellation pushes checked against the route index."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import responses

from connectors.base import FulfillmentPush
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from connectors.toolkit import ConnectorContext
from hub.domain.money import Money
from hub.domain.orders import OrderStatus, RefundLine
from mapping.mapper import Context
from mapping.platforms.woocommerce import map_order
from tests.contract import woocommerce_docs as docs

CTX = Context(1, 2, "woocommerce")
API = "https://shop.example.com/wp-json/wc/v3/"


def lines(order: dict[str, Any], n: int, subtotal: str = "10.00") -> list[dict[str, Any]]:
    template = order["line_items"][0]
    return [
        {
            **copy.deepcopy(template),
            "id": 500 + i,
            "sku": f"SKU-{i}",
            "quantity": 1,
            "subtotal": subtotal,
            "total": subtotal,
            "subtotal_tax": "0.00",
            "total_tax": "0.00",
            "taxes": [],
        }
        for i in range(n)
    ]


def plain(n: int = 3, **extra: Any) -> dict[str, Any]:
    """The documented order with n tax-free 10.00 lines and nothing else on it."""
    order = docs.order(1)
    order.update(
        line_items=lines(order, n),
        shipping_lines=[],
        tax_lines=[],
        fee_lines=[],
        coupon_lines=[],
        refunds=[],
        prices_include_tax=False,
    )
    order.update(extra)
    return order


def test_the_documented_order_maps_to_its_own_total() -> None:
    record = docs.order(1)
    order = map_order(record, CTX)
    assert order.grand_total == Money.of(record["total"], record["currency"])


def test_a_negative_fee_is_an_order_discount_spread_over_the_lines_to_the_cent() -> None:
    record = plain(
        fee_lines=[
            {
                "id": 9,
                "name": "Loyalty",
                "tax_class": "",
                "tax_status": "none",
                "total": "-10.00",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ]
    )
    order = map_order(record, CTX)
    assert [line.discount for line in order.lines] == [
        Money.of("3.34", "USD"),
        Money.of("3.33", "USD"),
        Money.of("3.33", "USD"),
    ]
    assert order.grand_total == Money.of("20.00", "USD")
    assert order.discounts[0].code == "Loyalty"


def test_a_positive_fee_is_a_charge_and_coupons_are_not_counted_twice() -> None:
    record = plain(
        fee_lines=[
            {
                "id": 9,
                "name": "Gift wrap",
                "tax_class": "",
                "tax_status": "none",
                "total": "2.50",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        coupon_lines=[
            {"id": 8, "code": "TENOFF", "discount": "3.00", "discount_tax": "0", "meta_data": []}
        ],
    )
    record["line_items"][0]["total"] = "7.00"  # the coupon, as Woo puts it on the line
    order = map_order(record, CTX)
    assert order.shipping_lines == [] and order.fee_lines[0].title == "Gift wrap"
    assert order.fee_lines[0].amount == Money.of("2.50", "USD")
    assert order.grand_total == Money.of("29.50", "USD")  # 30 - 3 + 2.50


def test_eu_vat_inclusive_prices_and_numbers_instead_of_strings() -> None:
    record = plain(1, currency="EUR", prices_include_tax=True, total="11.90")
    record["line_items"][0].update(subtotal=10, total=10, total_tax=1.9, subtotal_tax=1.9)
    record["tax_lines"] = [
        {
            "id": 1,
            "rate_code": "DE-MWST-1",
            "rate_id": 1,
            "label": "MwSt",
            "compound": False,
            "tax_total": "1.90",
            "shipping_tax_total": "0.00",
            "meta_data": [],
        }
    ]
    order = map_order(record, CTX)
    assert order.lines[0].tax == Money.of("1.90", "EUR")
    # Woo line totals are net even when the merchant entered gross prices: the line is
    # read back as the gross price the merchant typed with the VAT inside it, so the
    # grand total is the order's own `total` (before, the VAT the buyer paid was lost).
    assert order.lines[0].unit_price == Money.of("11.90", "EUR")
    assert order.tax_lines[0].inclusive
    assert order.grand_total == Money.of("11.90", "EUR")


def test_yen_has_no_minor_units() -> None:
    record = plain(2, currency="JPY")
    for line in record["line_items"]:
        line.update(subtotal="1500", total="1500")
    order = map_order(record, CTX)
    assert order.grand_total == Money.of(3000, "JPY")
    assert order.lines[0].unit_price.amount == Decimal("1500")


def test_refund_details_give_amounts_lines_and_restock() -> None:
    record = docs.documented_order_with_refunds()
    record["refund_details"] = docs.documented_refunds()
    order = map_order(record, CTX)
    by_id = {r.external_id: r for r in order.refunds}
    assert by_id["726"].amount == Money.of("10.00", record["currency"])
    assert not by_id["726"].restock and by_id["726"].lines == []
    # The refund resource does not say whether it restocked (api_restock is write-only)
    # and the order line shows no `_restock_refunded_items`: unknown, not guessed.
    usd = record["currency"]
    assert by_id["724"].lines == [
        RefundLine("311", 1, Money.of("9.00", usd), Money.of("0.00", usd), restock=None)
    ]
    assert by_id["724"].restock is None


def test_a_line_restocked_as_its_meta_says_is_a_restock() -> None:
    record = docs.documented_order_with_refunds()
    record["refund_details"] = docs.documented_refunds()
    line = next(i for i in record["line_items"] if i["id"] == 311)
    line["meta_data"] = [{"id": 1, "key": "_restock_refunded_items", "value": "1"}]
    by_id = {r.external_id: r for r in map_order(record, CTX).refunds}
    assert by_id["724"].restock and by_id["724"].lines[0].restock is True


def test_without_details_the_summary_total_is_the_refund() -> None:
    record = docs.documented_order_with_refunds()
    order = map_order(record, CTX)
    assert sorted(r.amount.amount for r in order.refunds) == [Decimal("9.00"), Decimal("10.00")]


def test_a_cancelled_order_of_sixty_five_lines_and_a_line_without_sku() -> None:
    record = plain(65, status="cancelled")
    record["line_items"][64].update(sku="", product_id=0, variation_id=0, name="Custom engraving")
    record["line_items"][63].update(sku="", product_id=93, variation_id=0)
    order = map_order(record, CTX)
    assert order.status is OrderStatus.CANCELLED and len(order.lines) == 65
    assert [line.channel_sku for line in order.lines[63:]] == [None, None]
    assert [line.mapping_key for line in order.lines[63:]] == ["#93", "#line:564"]


def woo() -> WooCommerceConnector:
    config = WooCommerceConfig(
        store_url="https://shop.example.com", consumer_key="ck_1", consumer_secret="cs_2"
    )
    return WooCommerceConnector(config, ConnectorContext(sleep=lambda s: None))


@responses.activate(assert_all_requests_are_fired=True)
def test_a_fulfillment_completes_the_order_and_keeps_the_tracking() -> None:
    answer = docs.order(727)
    responses.put(API + "orders/727", json={**answer, "status": "completed"})
    push = FulfillmentPush("727", {"315": 1}, "DHL", "JD0146", "https://dhl.example/JD0146")
    result = woo().push_fulfillment(push)
    body = json.loads(responses.calls[0].request.body or b"")
    args = docs.route_args("/wc/v3/orders/(?P<id>[\\d]+)", "PUT")
    assert body["status"] in args["status"]["enum"] and args["meta_data"]["type"] == "array"
    assert body["meta_data"][0]["value"]["tracking_number"] == "JD0146"
    assert result.accepted == ["727"]


@responses.activate(assert_all_requests_are_fired=True)
def test_a_cancellation_sets_the_status_and_leaves_a_private_note() -> None:
    responses.put(API + "orders/727", json={**docs.order(727), "status": "cancelled"})
    responses.post(API + "orders/727/notes", json={"id": 281, "note": "x", "customer_note": False})
    result = woo().push_cancellation("727", "out of stock everywhere")
    assert json.loads(responses.calls[0].request.body or b"") == {"status": "cancelled"}
    note_args = docs.route_args("/wc/v3/orders/(?P<order_id>[\\d]+)/notes", "POST")
    assert set(json.loads(responses.calls[1].request.body or b"")) <= set(note_args)
    assert result.calls == 2
