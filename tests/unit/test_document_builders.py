"""Documents from orders, refunds and payouts: balanced, keyed, through a fake of the
mappings (the Books port)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.domain.document_builders import (
    FeeLine,
    Payout,
    credit_note_for_refund,
    documents_for_payout,
    sales_document,
)
from hub.domain.documents import (
    Document,
    DocumentKind,
    DocumentStatus,
    EntryLine,
    LockPolicy,
    Unbalanced,
    apply_period_lock,
    idempotency_key,
    short_reference,
)
from hub.domain.errors import NotFound
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.domain.orders import Discount, Order, OrderLine, Payment, Refund, ShippingLine, TaxLine

D = Decimal
WHEN = datetime(2026, 11, 3, 12, tzinfo=UTC)


@dataclass
class FakeBooks:
    connection_id: int = 7
    home_currency: str = "EUR"
    bank_account: str = "Bank"
    taxes: tuple[str, ...] = ("VAT 19%",)

    def account(self, role: AccountRole, channel: str, gateway: str | None = None) -> str:
        return f"{role.value}:{channel}" if role is AccountRole.CLEARING else role.value

    def tax_code(self, channel: str, title: str) -> str:
        if title not in self.taxes:
            raise NotFound("tax code mapping", title, "channel_tax")
        return "V19"

    def customer(self, channel: str, email: str, name: str) -> str:
        return name

    def vendor(self, code: str, name: str) -> str:
        return name


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def order(inclusive: bool = False) -> Order:
    o = Order(1, 1, "1001", "EUR", WHEN, customer_name="Ann")
    o.add_line(OrderLine("TENT", 2, eur("59.50"), title="Tent", discount=eur("9.00")))
    o.shipping_lines.append(ShippingLine("DHL", eur("4.90")))
    o.discounts.append(Discount("WELCOME", eur("5.00")))
    o.tax_lines.append(TaxLine("VAT 19%", D("0.19"), eur("19.00"), inclusive=inclusive))
    o.payments.append(Payment("stripe", o.grand_total, "p1", WHEN))
    return o


def by_account(doc: Document) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in doc.lines:
        out[line.account] = out.get(line.account, D(0)) + line.amount.amount
    return out


def test_a_paid_order_is_a_balanced_receipt_with_every_part_on_its_account() -> None:
    doc = sales_document(order(), "shop", FakeBooks(), date(2026, 11, 3), paid=True)
    assert doc.kind is DocumentKind.SALES_RECEIPT and doc.key == "shop:order:1001"
    # 119.00 - 9.00 line discount - 5.00 order discount + 4.90 shipping + 19.00 tax
    assert by_account(doc) == {
        "clearing:shop": D("128.90"),
        "sales": D("-110.00"),
        "discounts": D("5.00"),
        "shipping_income": D("-4.90"),
        "sales_tax_payable": D("-19.00"),
    }
    assert [ln.tax_code for ln in doc.lines if ln.account == "sales_tax_payable"] == ["V19"]
    doc.check_balanced()


def test_tax_already_in_prices_is_taken_out_of_sales_not_added_on_top() -> None:
    doc = sales_document(order(inclusive=True), "shop", FakeBooks(), date(2026, 11, 3), paid=True)
    assert by_account(doc)["clearing:shop"] == D("109.90")
    assert by_account(doc)["sales"] == D("-91.00")  # 110.00 with 19.00 VAT inside


def test_an_unpaid_order_is_an_invoice() -> None:
    o = order()
    o.payments.clear()
    doc = sales_document(o, "shop", FakeBooks(), date(2026, 11, 5), paid=False)
    assert doc.kind is DocumentKind.SALES_INVOICE and doc.date == date(2026, 11, 5)


def test_a_partial_refund_returns_tax_in_proportion_and_credits_clearing() -> None:
    o = order()
    refund = Refund(eur("64.45"), "r1", created_at=WHEN)  # half of 128.90
    doc = credit_note_for_refund(o, refund, "shop", FakeBooks())
    assert doc.key == "shop:order:1001:refund:r1"
    assert by_account(doc) == {
        "sales": D("54.95"),
        "sales_tax_payable": D("9.50"),
        "clearing:shop": D("-64.45"),
    }


def test_a_payout_takes_fees_and_the_net_out_of_clearing() -> None:
    payout = Payout("shop", "P1", date(2026, 11, 8), eur("106.51"), [FeeLine("fee", eur("3.49"))])
    fee, journal = documents_for_payout(payout, FakeBooks(), 1)
    assert (fee.key, journal.key) == ("shop:payout:P1:fee:1", "shop:payout:P1")
    assert by_account(fee) == {"marketplace_fees": D("3.49"), "clearing:shop": D("-3.49")}
    assert by_account(journal) == {"Bank": D("106.51"), "clearing:shop": D("-106.51")}
    assert fee.payout == journal.payout == "shop:P1"


def test_an_unmapped_tax_names_it() -> None:
    with pytest.raises(NotFound, match="VAT 19%"):
        sales_document(order(), "shop", FakeBooks(taxes=()), date(2026, 11, 3), paid=True)


def test_unbalanced_lines_are_refused_naming_the_document() -> None:
    doc = Document(
        1,
        1,
        DocumentKind.FEE,
        "k",
        date(2026, 11, 3),
        "EUR",
        [EntryLine("a", eur("1.00")), EntryLine("b", eur("-0.99"))],
    )
    with pytest.raises(Unbalanced, match=r"fee k: .*debits 1.00 != credits 0.99"):
        doc.check_balanced()


def test_keys_fit_quickbooks_and_change_per_generation() -> None:
    doc = sales_document(order(), "shop", FakeBooks(), date(2026, 11, 3), paid=True)
    first = idempotency_key(doc)
    doc.generation = 2
    assert len(first) <= 50 and first.endswith("-g1") and idempotency_key(doc).endswith("-g2")
    assert first[:-3] == idempotency_key(doc)[:-3]
    assert short_reference(doc.key) == short_reference("shop:order:1001")
    assert len(short_reference(doc.key)) == 17


def test_a_closed_period_moves_the_date_or_holds() -> None:
    doc = Document(1, 1, DocumentKind.FEE, "k", date(2026, 10, 30), "EUR")
    assert apply_period_lock(doc, date(2026, 10, 31), LockPolicy.SHIFT) is False
    assert (doc.date, doc.flags) == (date(2026, 11, 1), ["period_shifted:2026-10-30"])
    held = Document(1, 1, DocumentKind.FEE, "k", date(2026, 10, 31), "EUR")
    assert apply_period_lock(held, date(2026, 10, 31), LockPolicy.HOLD) is True
    assert held.status is DocumentStatus.HELD
    open_doc = Document(1, 1, DocumentKind.FEE, "k", date(2026, 11, 1), "EUR")
    assert apply_period_lock(open_doc, date(2026, 10, 31), LockPolicy.HOLD) is False
