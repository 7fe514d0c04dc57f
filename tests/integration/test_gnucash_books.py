"""GnuCash end to end: a month of shop events posted into a real GnuCash book and read
back through GnuCash's own engine: balances, trial balance, exactly once, and
reconciliation that sees what a person did to the book in GnuCash."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.accounting.gnucash import GnuCashConfig, GnuCashConnector
from connectors.accounting.gnucash.process import engine_python
from connectors.base import OutgoingDocument
from connectors.errors import RetriableError
from hub.domain.documents import PostingPoint
from hub.services import accounting, order_books, posting
from reconciliation import Outcome, Period, reconcile, summary
from tests.conftest import Database
from tests.contract.gnucash_book import in_gnucash, require_gnucash
from tests.integration.books_setup import UowFactory, paid_order, setup_books
from tests.integration.test_beancount_books import MONTH_BALANCES, shop_month
from tests.integration.test_order_books import cancel, change, follow_and_post, ship, unpaid_order
from tests.integration.test_payouts_books import shop
from tests.integration.test_payouts_two_channels import post_two_channel_month

__all__ = ["shop"]  # the fixture, imported for the two-channel month

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


def edit_in_gnucash(books: Books, body: str) -> None:
    """A person's change in GnuCash, once the hub has let go of the book (its engine
    keeps it for a second after a post)."""
    _, connector, book = books
    connector.release()
    in_gnucash(str(book), body)


def test_a_month_posts_into_gnucash_with_the_balances_its_engine_computes(books: Books) -> None:
    _, connector, _ = books
    created = posted_month(books)
    assert len(created) == 6  # 2 receipts, credit note, bill, fee, payout
    balances = connector.trial_balance()
    assert {a.code: balances[a.code] for a in connector.list_accounts()} == MONTH_BALANCES


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
    uow, connector, _ = books
    posted_month(books)
    edit_in_gnucash(
        books,
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
    uow, connector, _ = books
    posted_month(books)
    edit_in_gnucash(
        books,
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


HOLD = """
import sys
from gnucash import Session, SessionOpenMode
session = Session("sqlite3://" + sys.argv[1], SessionOpenMode.SESSION_NORMAL_OPEN)
print("open", flush=True)
sys.stdin.readline()
session.end()
"""


def hold_open(book: Path) -> subprocess.Popen[str]:
    """GnuCash open on someone's desk: a session that holds the book's lock."""
    holder = subprocess.Popen(
        [engine_python(), "-I", "-c", HOLD, str(book)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    return holder


def test_a_book_open_in_gnucash_elsewhere_is_retried_later_and_its_lock_is_never_broken(
    books: Books,
) -> None:
    uow, connector, book = books
    paid_order(uow, "1001")
    accounting.generate_documents(uow(), "books")
    connector.check_books()  # the book exists
    holder = hold_open(book)
    try:
        report = posting.post_pending_documents(uow, "books", connector)
        assert report.posted == [] and "shop:order:1001" not in report.held
        with pytest.raises(RetriableError, match="open in GnuCash elsewhere"):
            connector.post_document(_any_document(), "k")
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    assert posting.post_pending_documents(uow, "books", connector).posted == ["shop:order:1001"]


def test_a_lock_left_by_a_dead_process_of_this_machine_is_stale_and_broken(
    books: Books,
) -> None:
    _, connector, book = books
    connector.check_books()
    holder = hold_open(book)
    holder.kill()  # GnuCash (or a worker's engine) died holding the lock
    holder.wait(timeout=60)
    assert connector.post_document(_any_document(), "k").external_id.startswith("gnucash:")


def test_a_lock_held_from_another_machine_is_broken_only_when_the_connection_says_so(
    books: Books,
) -> None:
    _, connector, book = books
    connector.check_books()
    holder = hold_open(book)
    holder.kill()
    holder.wait(timeout=60)
    with closing(sqlite3.connect(book)) as db, db:  # the lock row of a desk's GnuCash
        db.execute("UPDATE gnclock SET Hostname = 'accounts-desk'")
    with pytest.raises(RetriableError, match="open in GnuCash elsewhere"):
        connector.post_document(_any_document(), "k")
    breaker = GnuCashConnector(GnuCashConfig(book_path=str(book), break_lock=True))
    try:
        assert breaker.post_document(_any_document(), "k").external_id.startswith("gnucash:")
    finally:
        breaker.close()
    assert connector.find_document("payout", "test:any") is not None


def _any_document() -> OutgoingDocument:
    return OutgoingDocument(
        kind="payout",
        natural_key="test:any",
        date=datetime(2026, 11, 9, tzinfo=UTC),
        currency="USD",
        total=Decimal("5.00"),
        payload={
            "lines": [
                {"account": "Assets:Bank", "amount": "5.00"},
                {"account": "Assets:Clearing:Shop", "amount": "-5.00"},
            ]
        },
    )


def test_a_two_channel_month_with_pulled_payouts_clears_each_channel_in_gnucash(
    db: Database, tenant: UowFactory, tmp_path: Path, shop: object
) -> None:
    """The issue's proof month (Shopify and Amazon, payouts from their APIs' shapes) in a
    GnuCash book: the engine's trial balance balances, each clearing account is zero and
    reconciliation finds every payout clear."""
    require_gnucash()
    book = tmp_path / "books.gnucash"
    books = GnuCashConnector(GnuCashConfig(book_path=str(book)))
    try:
        post_two_channel_month(db, tenant, shop, books, {"book_path": str(book)}, "gnucash")
        got = books.trial_balance()
        assert got["Assets:Clearing:Shop"] == got["Assets:Clearing:Amazon"] == 0
        assert got["Assets:Bank"] == Decimal("157.21")  # 89.61 Shopify + 67.60 Amazon
        assert sum(got.values(), Decimal(0)) == 0
        recon = reconcile(tenant, "books", books, NOVEMBER)
        assert recon.reconciled, summary(recon)
        clear = {c.payout: (c.account, c.books_balance) for c in recon.clearing}
        assert clear == {
            "shop:gid://shopify/ShopifyPaymentsPayout/77": ("Assets:Clearing:Shop", 0),
            "amazon:FEG-1": ("Assets:Clearing:Amazon", 0),
        }
    finally:
        books.close()


def test_an_invoice_posted_on_dispatch_and_its_reversal_net_to_zero_in_gnucash(
    books: Books,
) -> None:
    uow, connector, _ = books
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, "1004")
    change(uow, order_id, "shipment", ship)
    assert follow_and_post(uow, connector).posted == ["shop:order:1004"]
    change(uow, order_id, "cancellation", cancel)
    assert follow_and_post(uow, connector).posted == ["shop:order:1004:void"]
    pages = connector.iter_documents("*", datetime(2026, 11, 1, tzinfo=UTC))
    kinds = {d.natural_key: d.payload["kind"] for page in pages for d in page}
    assert kinds == {"shop:order:1004": "sales_invoice", "shop:order:1004:void": "reversal"}
    left = connector.trial_balance()
    assert left["Assets:Clearing:Shop"] == left["Income:Sales"] == 0
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert report.reconciled, summary(report)
