"""An amount Shopify does not state is unknown (None), never 0."""

from __future__ import annotations

import copy

from hub.domain.money import Money
from mapping.mapper import Context
from mapping.platforms.shopify import map_order
from tests.golden.cases import load

DOCUMENTED = next(
    c for c in load("shopify") if c.name == "rest_documented_order_partially_refunded"
)
CTX = Context(1, 2, "shopify")


def test_a_line_without_a_price_has_unknown_money_not_zero() -> None:
    record = copy.deepcopy(DOCUMENTED.payload)
    del record["line_items"][1]["price"]
    line = map_order(record, CTX).lines[1]
    assert (line.unit_price, line.discount, line.tax, line.amounts_known) == (
        None, None, None, False
    )  # fmt: skip


def test_a_refund_line_without_amounts_keeps_them_unknown_and_the_refund_its_transaction() -> None:
    record = copy.deepcopy(DOCUMENTED.payload)
    item = record["refunds"][0]["refund_line_items"][0]
    for key in ("subtotal", "subtotal_set", "total_tax", "total_tax_set"):
        del item[key]
    (refund,) = map_order(record, CTX).refunds
    assert (refund.lines[0].subtotal, refund.lines[0].tax, refund.tax) == (None, None, None)
    assert refund.amount == Money.of("399.29", "USD")  # the successful refund transaction
