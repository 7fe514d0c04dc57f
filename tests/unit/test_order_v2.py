"""The unified order's v2 facts: unknown amounts stay unknown, SKU-less lines keep a stable
key, marketplace tax stays apart from the seller's, refunds carry their lines."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.domain.errors import CurrencyMismatch, InvalidValue, UnknownAmount
from hub.domain.money import Money
from hub.domain.orders import (
    FeeLine,
    FinancialStatus,
    FulfilledBy,
    FulfillmentStatus,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    ShippingLine,
    StatedTotals,
    TaxLine,
)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def order(**kw: object) -> Order:
    base: dict[str, object] = {
        "tenant_id": 1,
        "channel_id": 1,
        "external_id": "1001",
        "currency": "USD",
        "placed_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    }
    return Order(**(base | kw))  # type: ignore[arg-type]


def test_a_line_whose_price_is_not_stated_stays_unknown_and_refuses_arithmetic() -> None:
    line = OrderLine("A-1", 2, None, external_id="L1")
    assert line.amounts_known is False
    assert (line.discount, line.tax) == (None, None)
    assert line.unknown_amounts() == ["unit_price", "discount", "tax"]
    assert line.subtotal_if_known is None
    with pytest.raises(UnknownAmount, match="L1"):
        _ = line.subtotal
    o = order(lines=[line], amounts_known=False)
    assert o.unknown_amounts() == [
        "amounts", "lines[0].unit_price", "lines[0].discount", "lines[0].tax"
    ]  # fmt: skip
    with pytest.raises(UnknownAmount):
        _ = o.grand_total


def test_a_known_price_with_unknown_tax_keeps_the_tax_unknown() -> None:
    # EU VAT hidden in a gross price: the price is known, the tax in it is not.
    line = OrderLine("A-1", 1, Money.of("119.00", "EUR"), amounts_known=False,
                     discount=Money.zero("EUR"))  # fmt: skip
    assert line.tax is None
    assert line.unknown_amounts() == ["tax"]
    assert line.subtotal == Money.of("119.00", "EUR")


def test_legacy_lines_still_default_discount_and_tax_to_zero() -> None:
    line = OrderLine("A-1", 3, usd("10.00"))
    assert (line.discount, line.tax) == (usd("0"), usd("0"))
    assert line.amounts_known is True
    assert line.unknown_amounts() == []


def test_a_line_without_sku_is_keyed_by_the_platforms_listing_id() -> None:
    assert OrderLine(None, 1, usd("1"), platform_listing_id="4455").mapping_key == "#4455"
    assert OrderLine("", 1, usd("1"), platform_listing_id="4455").mapping_key == "#4455"
    assert OrderLine(" SKU 1 ", 1, usd("1"), platform_listing_id="4455").mapping_key == " SKU 1 "
    custom = OrderLine(None, 1, usd("1"), external_id="L9")
    assert custom.mapping_key is None
    assert custom.channel_sku is None


def test_quantity_shipped_is_bounded_by_the_quantity() -> None:
    assert OrderLine("A", 3, usd("1"), quantity_shipped=2).quantity_to_ship == 1
    with pytest.raises(InvalidValue, match="quantity_shipped"):
        OrderLine("A", 3, usd("1"), quantity_shipped=4)
    with pytest.raises(InvalidValue, match="quantity_shipped"):
        OrderLine("A", 3, usd("1"), quantity_shipped=-1)


def test_shop_and_presentment_money_may_not_mix_within_a_side() -> None:
    line = OrderLine("A", 1, usd("10.00"), unit_price_presentment=Money.of("9.20", "EUR"))
    assert line.unit_price_presentment == Money.of("9.20", "EUR")
    with pytest.raises(CurrencyMismatch, match="tax"):
        OrderLine("A", 1, usd("10.00"), tax=Money.of("1", "EUR"))
    with pytest.raises(CurrencyMismatch, match="tax_presentment"):
        OrderLine("A", 1, usd("10.00"), unit_price_presentment=Money.of("9", "EUR"),
                  tax_presentment=Money.of("1", "GBP"))  # fmt: skip


def test_grand_total_adds_fees_and_marketplace_tax_and_the_seller_is_owed_less() -> None:
    # 2 x 10.00 - 1.00 discount + 5.00 shipping + 2.50 fee + 1.60 seller tax on top
    # + 0.80 marketplace tax = 28.90 paid by the buyer; 28.10 owed to the seller.
    o = order(
        lines=[OrderLine("A", 2, usd("10.00"), discount=usd("1.00"))],
        shipping_lines=[ShippingLine("Ground", usd("5.00"))],
        fee_lines=[FeeLine("Gift wrap", usd("2.50"), tax=usd("0"))],
        tax_lines=[TaxLine("State", Decimal("0.08"), usd("1.60"))],
        marketplace_tax=usd("0.80"),
        tax_remitted_by="ebay",
    )
    assert o.fee_total == usd("2.50")
    assert o.grand_total == usd("28.90")
    assert o.seller_total == usd("28.10")
    assert o.tax_total == usd("1.60")  # the seller's tax only


def test_tax_inclusive_prices_add_neither_tax_to_the_total() -> None:
    # 119.00 gross incl. 19.00 VAT, of which the marketplace remits it: buyer pays 119.00.
    o = order(
        currency="EUR",
        prices_include_tax=True,
        lines=[OrderLine("A", 1, Money.of("119.00", "EUR"))],
        marketplace_tax=Money.of("19.00", "EUR"),
        tax_remitted_by="amazon",
    )
    assert o.grand_total == Money.of("119.00", "EUR")
    assert o.seller_total == Money.of("100.00", "EUR")


def test_shipping_discounts_count_as_discounts() -> None:
    o = order(
        lines=[OrderLine("A", 1, usd("20.00"))],
        shipping_lines=[ShippingLine("Std", usd("5.00"), discount=usd("5.00"))],
    )
    assert o.discount_total == usd("5.00")
    assert o.grand_total == usd("20.00")


def test_statuses_are_checked_and_kept_apart_from_the_workflow() -> None:
    o = order(
        financial_status="partially_refunded",
        fulfillment_status="fulfilled",
        fulfilled_by="marketplace",
        platform_status="Shipped",
        cancelled_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        cancel_reason="customer",
        number="#1001",
    )
    assert o.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert o.fulfillment_status is FulfillmentStatus.FULFILLED
    assert o.fulfilled_by is FulfilledBy.MARKETPLACE
    assert o.status.value == "pending_review"
    with pytest.raises(InvalidValue, match="FinancialStatus"):
        order(financial_status="settled")
    with pytest.raises(InvalidValue, match="cancelled_at"):
        order(cancelled_at=datetime(2026, 11, 21, 9, 0))


def test_marketplace_tax_must_be_in_the_shop_currency_and_known_when_a_remitter_is_named() -> None:
    with pytest.raises(CurrencyMismatch, match="marketplace_tax"):
        order(marketplace_tax=Money.of("1", "EUR"))
    assert order(tax_remitted_by="amazon").unknown_amounts() == ["marketplace_tax"]


def test_a_fee_whose_tax_is_not_stated_is_an_unknown_amount() -> None:
    o = order(fee_lines=[FeeLine("COD", usd("3.00"))])
    assert o.unknown_amounts() == ["fee_lines[0].tax"]


def test_refunds_carry_lines_shipping_and_unknown_restock() -> None:
    refund = Refund(
        usd("23.50"),
        external_id="R1",
        lines=[
            RefundLine(
                "L1",
                1,
                subtotal=usd("20.00"),
                tax=usd("1.60"),
                restock=True,
                restock_location="WH-1",
            )
        ],
        shipping=usd("1.75"),
        shipping_tax=usd("0.15"),
        unallocated=usd("0"),
    )
    assert refund.restock is None  # the refund as a whole did not say
    assert refund.lines[0].restock is True
    # Earlier mappers' {"line", "quantity"} dicts become RefundLines with unknown money.
    legacy = Refund(usd("5"), lines=[{"line": 77, "quantity": 2}])
    assert (legacy.lines[0].line_external_id, legacy.lines[0].quantity) == ("77", 2)
    assert legacy.lines[0].subtotal is None
    with pytest.raises(CurrencyMismatch, match="shipping"):
        Refund(usd("5"), shipping=Money.of("1", "EUR"))
    with pytest.raises(InvalidValue, match="quantity"):
        RefundLine("L1", -1)


def test_stated_totals_keep_one_currency_and_name_their_figures() -> None:
    stated = StatedTotals(total=usd("28.90"), tax=usd("1.60"))
    assert stated.figures()["total"] == usd("28.90")
    assert stated.figures()["shipping"] is None
    with pytest.raises(CurrencyMismatch):
        StatedTotals(total=usd("1"), tax=Money.of("1", "EUR"))
