"""The totals self-check recomputes the platform's stated totals from the order's lines,
by the order's own tax rule, and names every figure that differs; unknown is skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    FeeLine,
    Order,
    OrderLine,
    ShippingLine,
    StatedTotals,
    TaxLine,
)
from hub.domain.totals import check_totals

WHEN = datetime(2026, 11, 3, 12, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def order(stated: StatedTotals | None, *, inclusive: bool = False) -> Order:
    """3 x 10.00 - 3.00 line discount - 2.00 order discount + 5.00 shipping + 1.50 fee
    + 2.40 tax (8% on 30.00, on top unless prices include it)."""
    o = Order(1, 1, "1001", "USD", WHEN, prices_include_tax=inclusive, stated_totals=stated)
    o.add_line(OrderLine("A", 3, usd("10.00"), discount=usd("3.00"), tax=usd("2.40")))
    o.discounts.append(Discount("SAVE2", usd("2.00")))
    o.shipping_lines.append(ShippingLine("Ground", usd("5.00")))
    o.fee_lines.append(FeeLine("Handling", usd("1.50"), tax=usd("0")))
    o.tax_lines.append(TaxLine("State", Decimal("0.08"), usd("2.40")))
    return o


def test_totals_that_agree_pass_and_say_what_was_checked() -> None:
    # 30.00 - 5.00 + 5.00 + 1.50 + 2.40 = 33.90
    stated = StatedTotals(
        total=usd("33.90"),
        subtotal=usd("30.00"),
        tax=usd("2.40"),
        discounts=usd("5.00"),
        shipping=usd("5.00"),
        fees=usd("1.50"),
    )
    result = check_totals(order(stated))
    assert result.ok and result.reason is None
    assert sorted(result.checked) == ["discounts", "fees", "shipping", "subtotal", "tax", "total"]


def test_tax_inclusive_orders_do_not_add_the_tax_again() -> None:
    result = check_totals(order(StatedTotals(total=usd("31.50")), inclusive=True))
    assert result.ok, result.reason


def test_each_differing_figure_is_named_with_ours_and_the_platforms() -> None:
    # The platform says 34.90 total and 3.40 tax: our lines carry 33.90 and 2.40.
    result = check_totals(order(StatedTotals(total=usd("34.90"), tax=usd("3.40"),
                                             shipping=usd("5.00"))))  # fmt: skip
    assert [d.figure for d in result.differences] == ["tax", "total"]
    assert result.reason == (
        "totals: tax 2.40 USD (ours) != 3.40 USD (platform); "
        "total 33.90 USD (ours) != 34.90 USD (platform)"
    )


def test_figures_not_stated_or_needing_an_unknown_amount_are_skipped_not_mismatched() -> None:
    assert check_totals(order(None)).skipped["total"] == "not stated"
    o = Order(1, 1, "1002", "USD", WHEN, stated_totals=StatedTotals(total=usd("99.00"),
                                                                    shipping=usd("0")))  # fmt: skip
    o.add_line(OrderLine("A", 1, None, external_id="L1"))
    result = check_totals(o)
    assert result.ok
    assert result.skipped["total"] == "unknown amount: unit_price"
    assert result.checked == ["shipping"]
    o.amounts_known = False
    assert check_totals(o).checked == []
