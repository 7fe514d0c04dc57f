"""Reconciliation's decisions, one outcome at a time, on plain entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconciliation import BookEntry, HubEntry, Outcome, Period, Report, classify, clearing_checks
from reconciliation.output import summary, to_csv, to_json

D = Decimal
DAY = date(2026, 11, 3)
SALE = {"Assets:Clearing": D("110.00"), "Income:Sales": D("-100.00"), "Tax": D("-10.00")}


def hub(key: str = "k1", total: str = "110.00", **kw: object) -> HubEntry:
    fields: dict[str, object] = {"accounts": SALE, "status": "posted"} | kw
    return HubEntry(key, "sales_receipt", DAY, "USD", D(total), **fields)  # type: ignore[arg-type]


def book(key: str = "k1", total: str = "110.00", **kw: object) -> BookEntry:
    fields: dict[str, object] = {"accounts": SALE} | kw
    return BookEntry(key, f"x-{key}", "sales_receipt", DAY, "USD", D(total), **fields)  # type: ignore[arg-type]


def outcome(h: list[HubEntry], b: list[BookEntry]) -> list[tuple[str, Outcome]]:
    return [(f.key, f.outcome) for f in classify(h, b)]


def test_the_same_document_on_both_sides_is_matched() -> None:
    assert outcome([hub()], [book()]) == [("k1", Outcome.MATCHED)]


def test_a_posted_document_the_books_lack_is_missing_and_a_pending_one_says_not_posted_yet() -> (
    None
):
    (posted,) = classify([hub()], [])
    (pending,) = classify([hub(status="pending")], [])
    assert posted.outcome is Outcome.MISSING_IN_BOOKS and posted.detail == "not in the books"
    assert pending.outcome is Outcome.MISSING_IN_BOOKS and pending.detail == "not posted yet"


def test_a_hub_key_in_the_books_that_the_hub_does_not_have_is_extra() -> None:
    assert outcome([], [book("stray")]) == [("stray", Outcome.EXTRA_IN_BOOKS)]


def test_one_cent_is_rounding_and_two_cents_is_an_amount_mismatch_with_the_delta() -> None:
    sale_a = {**SALE, "Tax": D("-9.99"), "Assets:Clearing": D("109.99")}
    sale_b = {**SALE, "Tax": D("-9.98"), "Assets:Clearing": D("109.98")}
    (one_cent,) = classify([hub()], [book(total="109.99", accounts=sale_a)])
    (two_cents,) = classify([hub()], [book(total="109.98", accounts=sale_b)])
    assert (one_cent.outcome, one_cent.delta) == (Outcome.ROUNDING, D("-0.01"))
    assert (two_cents.outcome, two_cents.delta) == (Outcome.AMOUNT_MISMATCH, D("-0.02"))
    assert "account" in two_cents.fields


def test_a_different_currency_date_or_account_is_a_field_mismatch_naming_the_fields() -> None:
    moved = {"Assets:Clearing": D("110.00"), "Income:Other": D("-100.00"), "Tax": D("-10.00")}
    other = BookEntry("k1", "x", "sales_receipt", date(2026, 11, 4), "EUR", D("110.00"), moved)
    (finding,) = classify([hub()], [other])
    assert finding.outcome is Outcome.FIELD_MISMATCH
    assert finding.fields == ("currency", "date", "account")


def test_two_live_documents_under_one_key_are_a_duplicate() -> None:
    assert outcome([hub()], [book(count=2)]) == [("k1", Outcome.DUPLICATE)]
    other = BookEntry("k1", "x-other", "sales_receipt", DAY, "USD", D("110.00"), SALE)
    assert outcome([hub()], [book(), other]) == [("k1", Outcome.DUPLICATE)]
    # the same external document read twice is one document
    assert outcome([hub()], [book(), book()]) == [("k1", Outcome.MATCHED)]


def test_a_voided_document_is_status_drift_and_a_held_one_is_reported_with_its_reason() -> None:
    assert outcome([hub()], [book(status="voided")]) == [("k1", Outcome.STATUS_DRIFT)]
    (held,) = classify([hub(status="held", hold_reason="no tax code for GST")], [])
    assert (held.outcome, held.detail) == (Outcome.HELD, "no tax code for GST")


def test_books_that_do_not_report_accounts_are_compared_on_totals_only() -> None:
    assert outcome([hub()], [book(accounts=None)]) == [("k1", Outcome.MATCHED)]


def test_a_settled_payout_must_leave_its_clearing_account_at_zero_on_both_sides() -> None:
    sale = hub("o1", payout="P1")
    payout_accounts = {"Assets:Clearing": D("-110.00"), "Assets:Bank": D("110.00")}
    pay = HubEntry("p1", "payout", DAY, "USD", D("110.00"), payout_accounts, payout="P1")
    books = [book("o1"), book("p1", accounts=payout_accounts)]
    (check,) = clearing_checks([sale, pay], books, {"Assets:Clearing"})
    assert (check.hub_balance, check.books_balance, check.ok) == (D(0), D(0), True)
    (gap,) = clearing_checks([sale, pay], books[1:], {"Assets:Clearing"})
    assert gap.books_balance == D("-110.00") and not gap.ok


def test_books_that_state_an_invoice_only_whole_give_its_clearing_not_unknown() -> None:
    """Xero books an invoice's receivable itself (accounts None): what it moved through
    clearing is its payments. Paid into clearing: the payout clears to 0; unpaid (an
    invoice on dispatch nobody paid in Xero): the payout took 110 that never came in."""
    sale = hub("o1", payout="P1")
    payout_accounts = {"Assets:Clearing": D("-110.00"), "Assets:Bank": D("110.00")}
    pay = HubEntry("p1", "payout", DAY, "USD", D("110.00"), payout_accounts, payout="P1")
    journal = book("p1", accounts=payout_accounts)
    paid = [book("o1", accounts=None, clearing=D("110.00")), journal]
    (check,) = clearing_checks([sale, pay], paid, {"Assets:Clearing"})
    assert (check.books_balance, check.ok) == (D(0), True)
    unpaid = [book("o1", accounts=None, clearing=D(0)), journal]
    (open_check,) = clearing_checks([sale, pay], unpaid, {"Assets:Clearing"})
    assert (open_check.books_balance, open_check.ok) == (D("-110.00"), False)
    report = Report("books", Period.parse("2026-11"), clearing=[open_check])
    assert "books -110.00 (must be 0)" in summary(report)
    silent = [book("o1", accounts=None), journal]  # the books say nothing: unknown
    assert clearing_checks([sale, pay], silent, {"Assets:Clearing"})[0].books_balance is None


def test_outputs_agree_on_the_findings() -> None:
    report = Report("books", Period.parse("2026-11"), classify([hub(), hub("k2")], [book()]))
    assert to_json(report)["counts"]["missing_in_books"] == 1
    assert to_json(report)["reconciled"] is False
    rows = to_csv(report).splitlines()
    assert rows[0].startswith("key,outcome") and len(rows) == 3
    assert "missing_in_books: sales_receipt k2" in summary(report)


def test_a_month_period_covers_its_first_and_last_day() -> None:
    period = Period.parse("2026-12")
    assert (period.start, period.end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert date(2027, 1, 1) not in period


def test_a_document_voided_in_the_hub_is_only_looked_for_in_the_books() -> None:
    voided = HubEntry(
        "shop:order:9", "sales_invoice", date(2026, 11, 3), "USD", Decimal("110"), {}, "voided"
    )
    assert classify([voided], []) == []
    (found,) = classify(
        [voided],
        [BookEntry("shop:order:9", "x-1", "journal", date(2026, 11, 3), "USD", Decimal("110"))],
    )
    assert found.outcome is Outcome.EXTRA_IN_BOOKS and "voided in the hub" in found.detail
