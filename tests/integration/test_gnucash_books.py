"""GnuCash end to end: a month of shop events posted into a real GnuCash book and read
back through GnuCash's own engine: balances, trial balance, exactly once, and
reconciliation that sees what a person did to the book in GnuCash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.accounting.gnucash import GnuCashConfig, GnuCashConnector
from hub.services import accounting, posting
from reconciliation import Outcome, Period, reconcile, summary
from tests.contract.gnucash_book import in_gnucash, require_gnucash
from tests.integration.books_setup import UowFactory, setup_books
from tests.integration.test_beancount_books import shop_month

NOVEMBER = Period.parse("2026-11")
Books = tuple[UowFactory, GnuCashConnector, Path]


@pytest.fixture
def books(tenant: UowFactory, tmp_path: Path) -> Iterator[Books]:
    require_gnucash()
    book = tmp_path / "books.gnucash"
    setup_books(tenant, {"book_path": str(book)}, system="gnucash")
    connector = GnuCashConnector(GnuCashConfig(book_path=str(book)))
    yield tenant, connector, book
    connector.close()


def posted_month(books: Books) -> list[str]:
    uow, connector, _ = books
    shop_month(uow)
    generated = accounting.generate_documents(uow(), "books")
    assert generated.held == {}
    report = posting.post_pending_documents(uow, "books", connector)
    assert sorted(report.posted) == sorted(generated.created)
    return generated.created


def test_a_month_posts_into_gnucash_with_the_balances_its_engine_computes(books: Books) -> None:
    _, connector, _ = books
    created = posted_month(books)
    assert len(created) == 6  # 2 receipts, credit note, bill, fee, payout
    balances = connector.trial_balance()
    assert {a.code: balances[a.code] for a in connector.list_accounts()} == {
        "Assets:Clearing:Shop": Decimal("0.00"),
        "Income:Sales": Decimal("-100.00"),
        "Liabilities:SalesTax": Decimal("-10.00"),
        "Expenses:MarketplaceFees": Decimal("3.49"),
        "Assets:Bank": Decimal("106.51"),
        "Assets:Inventory": Decimal("60.00"),
        "Liabilities:AP": Decimal("-60.00"),
    }


def test_the_trial_balance_read_by_the_engine_sums_to_zero(books: Books) -> None:
    _, connector, _ = books
    posted_month(books)
    balances = connector.trial_balance()  # each account's own balance
    top: dict[str, Decimal] = {}
    for name, balance in balances.items():
        root = name.split(":")[0]
        top[root] = top.get(root, Decimal(0)) + balance
    assert sum(balances.values(), Decimal(0)) == 0
    assert top == {
        "Assets": Decimal("166.51"),  # bank 106.51 + inventory 60.00, clearing 0
        "Liabilities": Decimal("-70.00"),  # sales tax 10.00 + payables 60.00
        "Income": Decimal("-100.00"),
        "Expenses": Decimal("3.49"),
    }


def test_posting_twice_writes_nothing_more(books: Books) -> None:
    uow, connector, _ = books
    created = posted_month(books)
    again = accounting.generate_documents(uow(), "books")
    assert again.created == []
    assert posting.post_pending_documents(uow, "books", connector).posted == []
    pages = connector.iter_documents("*", datetime(2026, 11, 1, tzinfo=UTC))
    read = [d for page in pages for d in page]
    assert sorted(d.natural_key for d in read) == sorted(created)
    assert all(d.payload["count"] == 1 for d in read)


def test_a_freshly_posted_month_reconciles_and_the_payout_clears_to_zero(books: Books) -> None:
    uow, connector, _ = books
    posted_month(books)
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert report.counts()["matched"] == 6
    assert report.reconciled, summary(report)
    (check,) = report.clearing
    assert (check.payout, check.books_balance) == ("shop:P1", Decimal("0.00"))


def test_a_transaction_deleted_in_gnucash_is_missing_and_repair_posts_it_once(
    books: Books,
) -> None:
    uow, connector, book = books
    posted_month(books)
    in_gnucash(
        str(book),
        """
for trans in transactions("shop:payout:P1"):
    trans.Destroy()
""",
    )
    found = reconcile(uow, "books", connector, NOVEMBER)
    missing = [f.key for f in found.findings if f.outcome is Outcome.MISSING_IN_BOOKS]
    assert missing == ["shop:payout:P1"]
    repaired = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    assert repaired.repaired == ["shop:payout:P1"]
    assert repaired.reconciled, summary(repaired)
    assert connector.trial_balance()["Assets:Bank"] == Decimal("106.51")


def test_a_void_and_a_duplicate_made_in_gnucash_are_named_and_nothing_is_repaired(
    books: Books,
) -> None:
    uow, connector, book = books
    posted_month(books)
    in_gnucash(
        str(book),
        """
(fee,) = transactions("shop:payout:P1:fee:1")
fee.Void("entered twice")
(sale,) = transactions("shop:order:1001")
copy = sale.Clone()
""",
    )
    report = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    outcomes = {f.key: f.outcome for f in report.problems()}
    assert outcomes["shop:order:1001"] is Outcome.DUPLICATE
    assert outcomes["shop:payout:P1:fee:1"] in {Outcome.STATUS_DRIFT, Outcome.AMOUNT_MISMATCH}
    assert report.repaired == [] and not report.reconciled
