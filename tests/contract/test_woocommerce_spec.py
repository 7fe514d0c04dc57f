"""The WooCommerce connector's requests use only documented parameters and fields
(the docs' parameter tables and the wc/v3 route index in ../shared/specs)."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.base import StockLevelUpdate
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector
from tests.contract import woocommerce_docs as docs

JSON_TYPES = {"integer": int, "boolean": bool, "string": str}


def connector() -> WooCommerceConnector:
    return WooCommerceConnector(
        WooCommerceConfig.model_validate(
            {"store_url": "https://s.example", "consumer_key": "ck", "consumer_secret": "cs"}
        )
    )


def test_every_orders_list_parameter_is_documented_with_a_valid_value() -> None:
    woo = connector()
    sent = woo.orders.paginator.apply(None, woo.first_request(datetime(2025, 1, 1, tzinfo=UTC)))
    indexed = docs.route_args("/wc/v3/orders", "GET")
    documented = docs.documented_parameters("_orders.md", "List all orders")
    # modified_after / dates_are_gmt are newer than the copied route index: the docs list them.
    assert set(sent.params) <= set(indexed) | documented
    for name, value in sent.params.items():
        spec = indexed.get(name, {})
        if "enum" in spec:
            assert value in spec["enum"], name
    assert 1 <= sent.params["per_page"] <= 100  # WordPress caps per_page at 100


def test_stock_batch_items_carry_only_product_fields_of_the_right_type() -> None:
    request = connector().stock_request([StockLevelUpdate("93", 4)])
    fields = docs.route_args("/wc/v3/products/batch", "POST")
    for item in request.json["update"]:
        for name, value in item.items():
            if name == "id":  # batch items name their target by id
                assert isinstance(value, int)
                continue
            assert name in fields, name
            assert isinstance(value, JSON_TYPES[fields[name]["type"]]), name
