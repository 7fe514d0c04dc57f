"""Declarative mappers: plain dicts in, hub orders out; errors name record and field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import OrderLine, OrderStatus
from mapping.converters import integer, money, text, utc_datetime
from mapping.mapper import Context, Fields, Mapper, Record, children, direct, mapping
from mapping.platforms.shopify import ShopifyOrderMapper
from mapping.platforms.woocommerce import map_order
from mapping.statuses import Rule
from tests.contract.woocommerce_docs import documented_orders

CTX = Context(tenant_id=1, channel_id=2, platform="woocommerce", extra={"channel_name": "woo"})


class Line(Mapper[OrderLine]):
    build = OrderLine
    fields = (direct("qty", "quantity", integer), direct("code", "channel_sku", text))

    def label(self, record: Record) -> str:
        return f"line {record.get('code')}"

    @mapping
    def price(self, record: Record) -> Fields:
        return {"unit_price": money(record["price"], self.context)}


class Basket(Mapper[dict[str, Any]]):
    build = dict
    fields = (direct("meta.when", "when", utc_datetime),)
    nested = (children("items", "lines", Line),)

    def child_context(self, record: Record) -> Context:
        return self.context.with_currency(record["currency"])


def test_direct_fields_functions_and_children_build_typed_records() -> None:
    built = Basket(CTX).map(
        {"currency": "JPY", "meta": {"when": "2026-01-02T03:04:05+09:00"},
         "items": [{"qty": "2", "code": "A", "price": "1980"}]}
    )  # fmt: skip
    assert built["when"] == datetime(2026, 1, 1, 18, 4, 5, tzinfo=UTC)
    [line] = built["lines"]
    assert (line.channel_sku, line.quantity, line.unit_price) == ("A", 2, Money.of(1980, "JPY"))


def test_a_bad_value_names_the_record_and_the_source_field() -> None:
    record = {"currency": "EUR", "meta": {"when": "2026-01-02T03:04:05Z"},
              "items": [{"qty": "two", "code": "A", "price": "1"}]}  # fmt: skip
    with pytest.raises(InvalidValue) as caught:
        Basket(CTX).map(record)
    assert (caught.value.record, caught.value.field) == ("line A", "qty")
    record["items"] = [{"qty": 1, "code": "A", "price": 1.5}]
    with pytest.raises(InvalidValue, match="not floats"):
        Basket(CTX).map(record)
    del record["meta"]
    with pytest.raises(InvalidValue, match=r"meta\.when"):
        Basket(CTX).map(record)


def test_the_documented_woocommerce_order_maps_to_a_unified_order() -> None:
    record = documented_orders()[0]
    order = map_order(record, CTX)
    assert (order.external_id, order.currency, order.status) == ("727", "USD", OrderStatus.READY)
    assert order.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.customer_email == "john.doe@example.com" and order.customer_name == "John Doe"
    lines = {line.external_id: line for line in order.lines}
    # No SKU in the shop: it stays missing, the product id is the key for listings.
    assert lines["315"].channel_sku is None and lines["315"].mapping_key == "#93"
    assert lines["316"].channel_sku == "Bar3"
    assert lines["315"].unit_price == Money.of("3.00", "USD") and lines["315"].quantity == 2
    assert lines["316"].raw["variation_id"] == 23
    assert order.tax_lines[0].title == "US-CA-STATE TAX"
    assert order.tax_total == Money.of("1.35", "USD")
    assert order.grand_total == Money.of(record["total"], "USD")  # 29.35, as the shop says
    assert order.payments[0].gateway == "bacs"


def test_woocommerce_status_overrides_come_from_the_context() -> None:
    record = documented_orders()[0] | {"status": "processing"}
    override = Rule("status", "processing", OrderStatus.PENDING_REVIEW)
    context = Context(1, 2, "woocommerce", extra={"status_overrides": [override]})
    assert map_order(record, context).status is OrderStatus.PENDING_REVIEW


SHOPIFY: dict[str, Any] = {
    "id": 450789469,
    "name": "#1001",
    "currency": "EUR",
    "presentment_currency": "USD",
    "created_at": "2026-11-20T10:00:00-05:00",
    "financial_status": "paid",
    "fulfillment_status": None,
    "cancelled_at": None,
    "taxes_included": True,
    "email": "bob@example.com",
    "total_price_set": {
        "shop_money": {"amount": "92.35", "currency_code": "EUR"},
        "presentment_money": {"amount": "100.00", "currency_code": "USD"},
    },
    "line_items": [
        {"id": 1, "sku": "TENT-2P", "title": "Tent", "quantity": 1, "price": "92.35",
         "total_discount": "0.00", "tax_lines": [{"price": "14.75", "rate": 0.19, "title": "VAT"}]}
    ],
    "tax_lines": [{"price": "14.75", "rate": "0.19", "title": "VAT"}],
    "shipping_lines": [],
    "discount_codes": [],
}  # fmt: skip


def test_shopify_keeps_shop_and_presentment_currency_and_the_rate_it_used() -> None:
    record = copy.deepcopy(SHOPIFY)
    record["line_items"][0]["tax_lines"][0]["rate"] = "0.19"
    order = ShopifyOrderMapper(Context(1, 2, "shopify")).map(record)
    assert (order.currency, order.presentment_currency) == ("EUR", "USD")
    assert (order.fx_rate, order.fx_source) == (Decimal("0.923500"), "shopify:total_price_set")
    assert order.status is OrderStatus.READY and order.tax_lines[0].inclusive
    assert order.grand_total == Money.of("92.35", "EUR")  # VAT included in the price


def test_a_tax_rate_sent_as_a_json_number_is_read_as_shopify_documents_it() -> None:
    # The REST Order resource documents `rate` as a number (0.06); webhooks decode it as
    # a float, and refusing it sent every taxed order to the error queue.
    record = copy.deepcopy(SHOPIFY)
    record["tax_lines"][0]["rate"] = 0.19
    order = ShopifyOrderMapper(Context(1, 2, "shopify")).map(record)
    assert order.tax_lines[0].rate == Decimal("0.19")


def test_a_money_field_sent_as_a_number_is_refused_naming_the_field() -> None:
    # Money is documented as strings ("92.35"): a float has already lost digits.
    record = copy.deepcopy(SHOPIFY)
    record["line_items"][0]["price"] = 92.35
    with pytest.raises(InvalidValue) as caught:
        ShopifyOrderMapper(Context(1, 2, "shopify")).map(record)
    assert caught.value.field == "price" and "not floats" in caught.value.reason
    assert "line 1" in str(caught.value.record)


def test_a_one_currency_shopify_order_records_no_rate() -> None:
    record = copy.deepcopy(SHOPIFY)
    record["line_items"][0]["tax_lines"] = []
    record["presentment_currency"] = "EUR"
    record["total_price_set"]["presentment_money"] = {"amount": "92.35", "currency_code": "EUR"}
    order = ShopifyOrderMapper(Context(1, 2, "shopify")).map(record)
    assert order.fx_rate is None and order.fx_source is None
