"""Shopify and WooCommerce records that break the documented shapes are refused with an
error naming the order, the part of it and the field, never a crash further on."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.errors import InvalidValue
from mapping.mapper import Context
from mapping.platforms import shopify, woocommerce
from tests.golden.cases import load

SHOPIFY = {c.name: c.payload for c in load("shopify")}
WOO = {c.name: c.payload for c in load("woocommerce")}
REST = "rest_documented_order_partially_refunded"
GRAPHQL = "graphql_partial_refund_return_and_no_restock"


def _set(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    broken = copy.deepcopy(payload)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return broken


CASES: list[tuple[str, Callable[..., Any], Any, tuple[Any, ...], Any, str, str]] = [
    # (id, mapper, payload, path, bad value, field named, record named)
    ("money as a JSON number", shopify.map_order, SHOPIFY[REST],
     ("line_items", 0, "price"), 199.0, "price", "shopify order #1001 line 466157049"),
    ("a line that is not an object", shopify.map_order, SHOPIFY[REST],
     ("line_items", 1), "IPOD2008RED", "record", "shopify order #1001 line ?"),
    ("refunds not a list", shopify.map_order, SHOPIFY[REST],
     ("refunds",), {"id": 1}, "refunds", "shopify order #1001"),
    ("a refund line that is not an object", shopify.map_order, SHOPIFY[REST],
     ("refunds", 0, "refund_line_items", 0), 7, "refund_line_items[0]", "shopify order #1001"),
    ("a tax rate that is not a number", shopify.map_order, SHOPIFY[REST],
     ("tax_lines", 0, "rate"), "six percent", "tax_lines.rate", "shopify order #1001 tax line ?"),
    ("a GraphQL line node that is not an object", shopify.map_order, SHOPIFY[GRAPHQL],
     ("lineItems", "nodes", 0), None, "lineItems[0]", "shopify order #3003"),
    ("refund details not a list", woocommerce.map_order, WOO["documented_order_723_refunds"],
     ("refund_details",), "726", "refund_details", "woocommerce order 723"),
    ("a fee line that is not an object", woocommerce.map_order, WOO["documented_order_727"],
     ("fee_lines",), ["gift wrap"], "fee_lines[0]", "woocommerce order 727"),
    ("a line total that is not a number", woocommerce.map_order, WOO["documented_order_727"],
     ("line_items", 0, "total"), "six", "total", "woocommerce order 727 line 315"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mapper", "payload", "path", "value", "field", "record"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_record_off_the_documented_shape_is_refused_naming_order_and_field(
    mapper: Callable[..., Any],
    payload: Any,
    path: tuple[Any, ...],
    value: Any,
    field: str,
    record: str,
) -> None:
    context = Context(1, 2, "shopify" if mapper is shopify.map_order else "woocommerce")
    with pytest.raises(InvalidValue) as caught:
        mapper(_set(payload, path, value), context)
    assert (caught.value.field, caught.value.record) == (field, record)
