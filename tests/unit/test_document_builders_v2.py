"""Books from the v2 facts, with the arithmetic worked out by hand in each test: net and
gross split per line, fees as revenue, marketplace-remitted tax never the seller's,
presentment currency stated, unknown amounts and totals holds never posted, credit notes
from the platform's refund lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.domain.document_builders import credit_note_for_refund, sales_document
from hub.domain.errors import InvalidValue, UnknownAmount
from hub.domain.money import Money
from hub.domain.orders import (
    FeeLine,
    Order,
    OrderLine,
    Payment,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
)
from tests.unit.test_document_builders import FakeBooks, by_account

D = Decimal
WHEN = datetime(2026, 11, 3, 12, tzinfo=UTC)
ON = date(2026, 11, 3)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def vat_inclusive_order() -> Order:
    """German shop, prices include 19% VAT: 2 x 59.50 (VAT 19.00 inside), shipping 5.95
    (VAT 0.95 inside), gift wrap fee 2.38 (VAT 0.38 inside); VAT line 20.33."""
    o = Order(1, 1, "1001", "EUR", WHEN, prices_include_tax=True, customer_name="Ann")
    o.add_line(OrderLine("TENT", 2, eur("59.50"), title="Tent", tax=eur("19.00")))
    o.shipping_lines.append(ShippingLine("DHL", eur("5.95"), tax=eur("0.95")))
    o.fee_lines.append(FeeLine("Gift wrap", eur("2.38"), tax=eur("0.38"), taxable=True))
    o.tax_lines.append(TaxLine("VAT 19%", D("0.19"), eur("20.33"), inclusive=True))
    o.payments.append(Payment("stripe", eur("127.33"), "p1", WHEN))
    return o


def test_tax_inclusive_lines_shipping_and_fees_are_booked_net_of_the_tax_they_state() -> None:
    o = vat_inclusive_order()
    assert o.grand_total == eur("127.33")  # 119.00 + 5.95 + 2.38, no tax on top
    doc = sales_document(o, "shop", FakeBooks(), ON, paid=True)
    assert by_account(doc) == {
        "clearing:shop": D("127.33"),
        "sales": D("-102.00"),  # goods 119.00 - 19.00, gift wrap 2.38 - 0.38
        "shipping_income": D("-5.00"),  # 5.95 - 0.95
        "sales_tax_payable": D("-20.33"),  # 19.00 + 0.95 + 0.38
    }
    fee = [ln for ln in doc.lines if ln.memo == "fee: Gift wrap"]
    assert [ln.amount for ln in fee] == [eur("-2.00")]  # the fee is a revenue line


def test_a_fee_on_a_tax_exclusive_order_is_revenue_and_its_tax_is_payable() -> None:
    # 1 x 40.00 + COD fee 3.00; VAT 19% on top: 7.60 + 0.57 = 8.17; total 51.17.
    o = Order(1, 1, "1002", "EUR", WHEN)
    o.add_line(OrderLine("LAMP", 1, eur("40.00"), tax=eur("7.60")))
    o.fee_lines.append(FeeLine("COD", eur("3.00"), tax=eur("0.57"), taxable=True))
    o.tax_lines.append(TaxLine("VAT 19%", D("0.19"), eur("8.17")))
    assert o.grand_total == eur("51.17")
    doc = sales_document(o, "shop", FakeBooks(), ON, paid=False)
    assert by_account(doc) == {
        "clearing:shop": D("51.17"),
        "sales": D("-43.00"),
        "sales_tax_payable": D("-8.17"),
    }


def test_tax_a_marketplace_collects_and_remits_is_not_the_sellers_liability() -> None:
    # eBay collect-and-remit: 50.00 item + 5.00 shipping; eBay collects 8% = 4.40 from the
    # buyer (59.40 paid) and remits it; the seller is owed 55.00 and owes no tax.
    o = Order(1, 1, "2001", "USD", WHEN, marketplace_tax=usd("4.40"), tax_remitted_by="ebay")
    o.add_line(OrderLine("MUG", 1, usd("50.00"), marketplace_tax=usd("4.00")))
    o.shipping_lines.append(ShippingLine("USPS", usd("5.00")))
    assert (o.grand_total, o.seller_total) == (usd("59.40"), usd("55.00"))
    doc = sales_document(o, "ebay", FakeBooks(home_currency="USD"), ON, paid=False)
    assert by_account(doc) == {
        "clearing:ebay": D("55.00"),
        "sales": D("-50.00"),
        "shipping_income": D("-5.00"),
    }
    assert "4.40 USD tax remitted by ebay" in doc.lines[0].memo


def test_marketplace_tax_inside_gross_prices_comes_off_sales() -> None:
    # Amazon EU marketplace VAT: 119.00 gross with 19.00 VAT that Amazon remits: the
    # buyer pays 119.00, the seller is owed and sells 100.00.
    o = Order(1, 1, "3001", "EUR", WHEN, prices_include_tax=True,
              marketplace_tax=eur("19.00"), tax_remitted_by="amazon")  # fmt: skip
    o.add_line(OrderLine("TENT", 1, eur("119.00"), marketplace_tax=eur("19.00")))
    doc = sales_document(o, "amazon", FakeBooks(), ON, paid=False)
    assert by_account(doc) == {"clearing:amazon": D("100.00"), "sales": D("-100.00")}


def test_the_presentment_currency_is_stated_on_the_document() -> None:
    o = Order(1, 1, "4001", "USD", WHEN, presentment_currency="EUR", fx_rate=D("1.080000"),
              fx_source="shopify:total_price_set")  # fmt: skip
    o.add_line(OrderLine("MUG", 1, usd("10.80"), unit_price_presentment=eur("10.00")))
    doc = sales_document(o, "shop", FakeBooks(home_currency="USD"), ON, paid=False)
    assert "buyer paid in EUR, booked in USD at 1.080000 USD/EUR" in doc.lines[0].memo


def test_unknown_amounts_are_never_posted() -> None:
    o = Order(1, 1, "5001", "USD", WHEN)
    o.add_line(OrderLine("MUG", 2, None, external_id="L1"))  # Amazon Pending: no price
    with pytest.raises(UnknownAmount, match=r"lines\[0\]\.unit_price"):
        sales_document(o, "amazon", FakeBooks(home_currency="USD"), ON, paid=False)
    vat_hidden = Order(1, 1, "5002", "EUR", WHEN, prices_include_tax=True)
    vat_hidden.add_line(OrderLine("TENT", 1, eur("119.00"), amounts_known=False,
                                  discount=eur("0")))  # fmt: skip
    with pytest.raises(UnknownAmount, match=r"lines\[0\]\.tax"):
        sales_document(vat_hidden, "shop", FakeBooks(), ON, paid=False)


def test_an_order_held_by_the_totals_check_is_not_invoiced_nor_credited() -> None:
    o = vat_inclusive_order()
    o.invoice_hold = "totals: total 127.33 EUR (ours) != 127.34 EUR (platform)"
    with pytest.raises(InvalidValue, match="held from invoicing"):
        sales_document(o, "shop", FakeBooks(), ON, paid=True)
    with pytest.raises(InvalidValue, match="held from invoicing"):
        credit_note_for_refund(o, Refund(eur("1.00"), "r1", created_at=WHEN), "shop", FakeBooks())


def exclusive_order() -> Order:
    """2 x 50.00 (line L1) + shipping 10.00; VAT 19% on top: 19.00 + 1.90 = 20.90."""
    o = Order(1, 1, "6001", "EUR", WHEN)
    o.add_line(OrderLine("TENT", 2, eur("50.00"), tax=eur("19.00"), external_id="L1"))
    o.shipping_lines.append(ShippingLine("DHL", eur("10.00"), tax=eur("1.90")))
    o.tax_lines.append(TaxLine("VAT 19%", D("0.19"), eur("20.90")))
    return o


def test_a_credit_note_books_each_refunded_part_where_it_was_sold() -> None:
    # One of two tents (50.00 + 9.50 VAT) and the shipping (10.00 + 1.90 VAT): 71.40.
    refund = Refund(
        eur("71.40"),
        "r1",
        lines=[RefundLine("L1", 1, subtotal=eur("50.00"), tax=eur("9.50"), restock=True)],
        shipping=eur("10.00"),
        shipping_tax=eur("1.90"),
        created_at=WHEN,
    )
    doc = credit_note_for_refund(exclusive_order(), refund, "shop", FakeBooks())
    assert by_account(doc) == {
        "sales": D("50.00"),
        "shipping_income": D("10.00"),
        "sales_tax_payable": D("11.40"),  # 9.50 + 1.90
        "clearing:shop": D("-71.40"),
    }


def test_an_unallocated_refund_comes_off_sales_and_the_parts_must_add_up() -> None:
    goodwill = Refund(eur("5.00"), "r2", unallocated=eur("5.00"), tax=eur("0"), created_at=WHEN)
    doc = credit_note_for_refund(exclusive_order(), goodwill, "shop", FakeBooks())
    assert by_account(doc) == {"sales": D("5.00"), "clearing:shop": D("-5.00")}
    wrong = Refund(
        eur("60.00"),
        "r3",
        lines=[RefundLine("L1", 1, subtotal=eur("50.00"), tax=eur("9.50"))],
        created_at=WHEN,
    )
    with pytest.raises(InvalidValue, match=r"r3: lines 50.00 EUR \+ tax 9.50 EUR != 60.00 EUR"):
        credit_note_for_refund(exclusive_order(), wrong, "shop", FakeBooks())


def test_a_refund_line_without_its_amount_waits() -> None:
    refund = Refund(eur("59.50"), "r4", lines=[RefundLine("L1", 1, subtotal=None)],
                    shipping=eur("0"), created_at=WHEN)  # fmt: skip
    with pytest.raises(UnknownAmount, match="subtotal"):
        credit_note_for_refund(exclusive_order(), refund, "shop", FakeBooks())


def test_a_refund_of_marketplace_remitted_tax_is_the_marketplaces() -> None:
    # eBay refunds 27.00: 25.00 for the item and 2.00 of the tax eBay collected; the
    # seller gives back 25.00 and no tax of its own.
    o = Order(1, 1, "2002", "USD", WHEN, marketplace_tax=usd("4.00"), tax_remitted_by="ebay")
    o.add_line(OrderLine("MUG", 2, usd("25.00"), external_id="L1"))
    refund = Refund(usd("27.00"), "r5",
                    lines=[RefundLine("L1", 1, subtotal=usd("25.00"), tax=usd("2.00"))],
                    created_at=WHEN)  # fmt: skip
    doc = credit_note_for_refund(o, refund, "ebay", FakeBooks(home_currency="USD"))
    assert by_account(doc) == {"sales": D("25.00"), "clearing:ebay": D("-25.00")}
