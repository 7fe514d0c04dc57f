"""Settlements in the pure domain: lines that must add up, the journal built whole or
refused whole, per-order differences, and which bank line a payout landed as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from hub.domain.bank_matching import BankLine, match_payouts
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.domain.settlement_documents import settlement_document
from hub.domain.settlements import (
    LineKind,
    Settlement,
    SettlementDoesNotAddUp,
    SettlementLine,
    UnknownOrder,
    order_differences,
)

R = AccountRole
ACCOUNTS = {
    R.CLEARING: "Clearing",
    R.MARKETPLACE_FEES: "Fees",
    R.PAYOUT_RESERVE: "Reserve",
    R.PAYOUT_ADJUSTMENTS: "Adjustments",
}


@dataclass
class FakeBooks:
    accounts: dict[AccountRole, str]
    connection_id: int = 1
    home_currency: str = "EUR"
    bank_account: str = "Bank"

    def account(self, role: AccountRole, channel: str, gateway: str | None = None) -> str:
        if role not in self.accounts:
            raise NotFound("account mapping", f"{role} for channel {channel}", str(role))
        return self.accounts[role]

    def tax_code(self, channel: str, title: str) -> str:
        return title

    def customer(self, channel: str, email: str, name: str) -> str:
        return name

    def vendor(self, code: str, name: str) -> str:
        return name


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def payout(net: str = "80.00", *extra: SettlementLine) -> Settlement:
    lines = [
        SettlementLine(LineKind.SALE, eur("100.00"), "A1"),
        SettlementLine(LineKind.FEE, eur("-12.00"), "A1", "Commission"),
        SettlementLine(LineKind.RESERVE, eur("-8.00")),
        *extra,
    ]
    return Settlement("amz", "G1", date(2026, 11, 15), eur(net), lines, bank_reference="TR-9")


def test_the_journal_books_fees_by_type_the_reserve_and_the_bank_and_balances() -> None:
    doc = settlement_document(payout(), FakeBooks(ACCOUNTS), 7, {"A1"})
    got = [(ln.account, str(ln.amount.amount), ln.memo) for ln in doc.lines]
    assert got == [
        ("Fees", "12.00", "Commission order A1"),
        ("Clearing", "-12.00", "Commission order A1"),
        ("Reserve", "8.00", "reserve"),
        ("Clearing", "-8.00", "reserve"),
        ("Bank", "80.00", "payout G1 ref TR-9"),
        ("Clearing", "-80.00", "payout G1 ref TR-9"),
    ]
    # Clearing gives up exactly what the sale put there.
    assert doc.account_total("Clearing") == eur("-100.00")
    assert doc.payout == "amz:G1" and doc.key == "amz:settlement:G1"


def test_lines_that_do_not_add_up_refuse_the_payout_naming_both_figures() -> None:
    with pytest.raises(SettlementDoesNotAddUp) as caught:
        settlement_document(payout("81.00"), FakeBooks(ACCOUNTS), 7, {"A1"})
    text = str(caught.value)
    assert "payout amz:G1" in text and "80.00" in text and "81.00" in text


def test_a_fee_for_an_order_the_hub_lacks_refuses_the_whole_payout() -> None:
    fee = SettlementLine(LineKind.FEE, eur("-1.00"), "B7", "FBAPerUnitFulfillmentFee", "E-3")
    with pytest.raises(UnknownOrder) as caught:
        settlement_document(payout("79.00", fee), FakeBooks(ACCOUNTS), 7, {"A1"})
    assert "B7" in str(caught.value) and "FBAPerUnitFulfillmentFee E-3" in str(caught.value)


def test_a_reserve_without_a_mapped_account_names_the_role() -> None:
    books = FakeBooks({k: v for k, v in ACCOUNTS.items() if k is not R.PAYOUT_RESERVE})
    with pytest.raises(NotFound, match="payout_reserve"):
        settlement_document(payout(), books, 7, {"A1"})


def test_a_line_in_another_currency_is_refused() -> None:
    odd = SettlementLine(LineKind.ADJUSTMENT, Money.of("1.00", "USD"))
    with pytest.raises(InvalidValue, match="currency"):
        payout("81.00", odd).check()


def test_order_differences_name_each_order_the_hub_booked_otherwise() -> None:
    refund = SettlementLine(LineKind.REFUND, eur("-20.00"), "A2")
    s = payout("60.00", refund)
    diffs = order_differences(s, {"A1": eur("100.00"), "A2": None})
    assert [(d.order, d.difference) for d in diffs] == [("A2", eur("-20.00"))]
    assert "no document" in str(diffs[0])


def _line(day: date, amount: str, ref: str = "") -> BankLine:
    return BankLine("acct", day, eur(amount), ref, f"{day}{amount}{ref}")


def test_a_payout_matches_the_line_naming_its_reference_before_a_nearer_one() -> None:
    p = payout()
    near = _line(p.paid_on, "80.00", "SEPA CREDIT")
    named = _line(p.paid_on + timedelta(days=2), "80.00", "AMAZON TR-9")
    assert match_payouts([p], [near, named]) == [(p, named)]


def test_a_payout_does_not_match_another_amount_or_a_line_outside_the_window() -> None:
    p = payout()
    assert match_payouts([p], [_line(p.paid_on, "80.01")]) == []
    assert match_payouts([p], [_line(p.paid_on + timedelta(days=6), "80.00")]) == []
    assert match_payouts([p], [_line(p.paid_on - timedelta(days=2), "80.00")]) == []


def test_one_bank_line_pays_one_payout() -> None:
    a, b = payout(), payout()
    b.external_id = "G2"
    line = _line(a.paid_on, "80.00")
    assert len(match_payouts([a, b], [line])) == 1


def test_an_amazon_refund_event_gives_back_the_sale_and_the_commission_with_their_signs() -> None:
    from decimal import Decimal

    from mapping.payouts.amazon import map_payout

    def c(amount: str) -> dict[str, object]:
        return {"CurrencyCode": "USD", "CurrencyAmount": Decimal(amount)}

    refund = {
        "AmazonOrderId": "111-1",
        "PostedDate": "2026-11-09T00:00:00Z",
        "ShipmentItemAdjustmentList": [
            {
                "SellerSKU": "TENT",
                "OrderAdjustmentItemId": "ADJ-1",
                "QuantityShipped": 1,
                "ItemChargeAdjustmentList": [
                    {"ChargeType": "Principal", "ChargeAmount": c("-50.00")}
                ],
                "ItemFeeAdjustmentList": [
                    {"FeeType": "Commission", "FeeAmount": c("6.00")},
                    {"FeeType": "RefundCommission", "FeeAmount": c("-1.50")},
                ],
            }
        ],
    }
    group = {
        "FinancialEventGroupId": "G",
        "ProcessingStatus": "Closed",
        "OriginalTotal": c("-45.50"),
        "FundTransferDate": "2026-11-10T00:00:00Z",
    }
    s = map_payout({"group": group, "events": {"RefundEventList": [refund]}}, "amazon")
    s.check()
    assert [(ln.kind, str(ln.amount.amount), ln.fee_type, ln.reference) for ln in s.lines] == [
        (LineKind.REFUND, "-50.00", None, "ADJ-1"),
        (LineKind.FEE, "6.00", "Commission", "ADJ-1"),
        (LineKind.FEE, "-1.50", "RefundCommission", "ADJ-1"),
    ]
    # A negative payout (the seller owes Amazon) books the bank as a credit.
    books = FakeBooks(ACCOUNTS)
    books.home_currency = "USD"
    doc = settlement_document(s, books, 1, {"111-1"})
    assert doc.account_total("Bank") == Money.of("-45.50", "USD")
    assert doc.account_total("Fees") == Money.of("-4.50", "USD")
