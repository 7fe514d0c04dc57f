"""Beancount end to end: orders, refund, fee, payout and supplier bill land in a real
ledger that `bean-check` accepts, with the balances the hub expects, exactly once."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import beanquery
import pytest

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from hub.db.accounting_store import DocumentStore
from hub.domain.documents import DocumentKind, DocumentStatus, SummaryMode
from hub.domain.money import Money
from hub.services import accounting, accounting_mapping, posting
from hub.services.inbox import list_errors
from mapping.accounting import TaxEntry
from reconciliation import Outcome, Period, reconcile, summary
from tests.integration.books_setup import (
    UowFactory,
    paid_order,
    refund,
    set_policy,
    setup_books,
    supplier_receipt,
)

BEAN_CHECK = str(Path(sys.executable).with_name("bean-check"))


def bean_check(ledger: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BEAN_CHECK, str(ledger)], capture_output=True, text=True)


def balances(ledger: Path) -> dict[str, Decimal]:
    rows = beanquery.connect(f"beancount:{ledger}").execute(
        "SELECT account, sum(number) AS total GROUP BY account"
    )
    return {account: Decimal(total) for account, total in rows.fetchall()}


@pytest.fixture
def books(tenant: UowFactory, tmp_path: Path) -> tuple[UowFactory, BeancountConnector, Path]:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)})
    return tenant, BeancountConnector(BeancountConfig(ledger_path=str(ledger))), ledger


def shop_month(uow: UowFactory) -> None:
    """Two paid orders, the second fully refunded, one payout net of a 3.49 fee, and a
    supplier receipt of 3 x 20.00."""
    paid_order(uow, "1001")
    paid_order(uow, "1002", price="50.00", tax="5.00")
    refund(uow, "1002", "r1", "55.00", date(2026, 11, 5))
    supplier_receipt(uow)
    accounting.record_payout(
        uow(),
        "shop",
        "P1",
        date(2026, 11, 8),
        Money.of("106.51", "USD"),
        fees=[("Shopify Payments fee", Money.of("3.49", "USD"))],
        orders=["1001", "1002"],
        refunds=[("1002", "r1")],
    )


# What shop_month leaves in the books, whichever books they are.
MONTH_BALANCES = {
    "Assets:Clearing:Shop": Decimal("0.00"),
    "Income:Sales": Decimal("-100.00"),
    "Liabilities:SalesTax": Decimal("-10.00"),
    "Expenses:MarketplaceFees": Decimal("3.49"),
    "Assets:Bank": Decimal("106.51"),
    "Assets:Inventory": Decimal("60.00"),
    "Liabilities:AP": Decimal("-60.00"),
}


def test_a_month_of_shop_events_posts_a_ledger_bean_check_accepts_with_the_expected_balances(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    shop_month(uow)
    generated = accounting.generate_documents(uow(), "books")
    assert generated.held == {}
    assert len(generated.created) == 6  # 2 receipts, credit note, bill, fee, payout
    report = posting.post_pending_documents(uow, "books", connector)
    assert sorted(report.posted) == sorted(generated.created)
    result = bean_check(ledger)
    assert result.returncode == 0, result.stderr
    assert balances(ledger) == MONTH_BALANCES


def test_generating_and_posting_twice_changes_nothing(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    shop_month(uow)
    accounting.generate_documents(uow(), "books")
    posting.post_pending_documents(uow, "books", connector)
    before = ledger.read_text()
    again = accounting.generate_documents(uow(), "books")
    assert (
        again.created == [] and again.unchanged == 5
    )  # sources: 2 orders, refund, receipt, payout
    assert posting.post_pending_documents(uow, "books", connector).posted == []
    assert ledger.read_text() == before


def test_a_missing_tax_mapping_holds_the_order_with_the_reason_and_the_rest_goes_on(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    paid_order(uow, "2001", tax_title="GST")
    paid_order(uow, "2002")
    report = accounting.generate_documents(uow(), "books")
    assert list(report.held) == ["shop:order:2001"]
    assert "tax code mapping" in report.held["shop:order:2001"]
    assert "GST" in report.held["shop:order:2001"]
    assert report.created == ["shop:order:2002"]
    posting.post_pending_documents(uow, "books", connector)
    assert "shop:order:2001" not in ledger.read_text()


def test_payments_that_do_not_cover_the_order_hold_it_as_unbalanced(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, _, _ = books
    paid_order(uow, "3001", paid="105.00")
    report = accounting.generate_documents(uow(), "books")
    assert "payments 105.00 USD != order total 110.00 USD" in report.held["shop:order:3001"]


def test_a_transaction_beancount_refuses_is_held_and_never_written(
    books: tuple[UowFactory, BeancountConnector, Path], tenant: UowFactory
) -> None:
    uow, connector, ledger = books
    paid_order(uow, "4001")
    accounting.generate_documents(uow(), "books")
    with uow() as u:
        assert u.tenant_id is not None
        store = DocumentStore(u.session, u.tenant_id)
        (doc,) = store.documents(doc_connection(u))
        doc.lines[0] = doc.lines[0].__class__("bad account", doc.lines[0].amount)
        store.save(doc)
        u.commit()
    report = posting.post_pending_documents(uow, "books", connector)
    assert "shop:order:4001" in report.held
    assert bean_check(ledger).returncode == 0
    assert "4001" not in ledger.read_text()
    with uow() as u:
        assert u.tenant_id is not None
        (doc,) = DocumentStore(u.session, u.tenant_id).documents(doc_connection(u))
    assert doc.status is DocumentStatus.HELD
    assert doc.hold_reason is not None and "refused by the books" in doc.hold_reason


def doc_connection(u: object) -> int:
    from hub.services.accounting_books import connection_id

    return connection_id(u, "books")  # type: ignore[arg-type]


def blocks(ledger: Path) -> list[str]:
    return ledger.read_text().split("\n\n")


def block_of(ledger: Path, key: str) -> str:
    (found,) = [b for b in blocks(ledger) if f'hub_id: "{key}"' in b]
    return found


def posted_month(books: tuple[UowFactory, BeancountConnector, Path]) -> None:
    uow, connector, _ = books
    shop_month(uow)
    accounting.generate_documents(uow(), "books")
    posting.post_pending_documents(uow, "books", connector)


NOVEMBER = Period.parse("2026-11")


def test_a_freshly_posted_month_reconciles_and_every_payout_clears_to_zero(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, _ = books
    posted_month(books)
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert report.counts()["matched"] == 6
    assert report.reconciled, summary(report)
    (check,) = report.clearing
    assert (check.payout, check.hub_balance, check.books_balance) == (
        "shop:P1",
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_a_deleted_entry_is_found_missing_and_repair_posts_it_once_more(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    posted_month(books)
    payout = block_of(ledger, "shop:payout:P1")
    ledger.write_text(ledger.read_text().replace(payout + "\n\n", ""))
    found = reconcile(uow, "books", connector, NOVEMBER)
    missing = [f.key for f in found.findings if f.outcome is Outcome.MISSING_IN_BOOKS]
    assert missing == ["shop:payout:P1"]
    (check,) = found.clearing
    assert check.books_balance == Decimal("106.51") and not check.ok
    repaired = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    assert repaired.repaired == ["shop:payout:P1"]
    assert repaired.reconciled, summary(repaired)
    assert len([b for b in blocks(ledger) if 'hub_id: "shop:payout:P1"' in b]) == 1
    assert bean_check(ledger).returncode == 0


def test_tampered_books_show_amount_mismatch_duplicate_and_status_drift_and_repair_deletes_nothing(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    posted_month(books)
    text = ledger.read_text()
    fee = block_of(ledger, "shop:payout:P1:fee:1")
    text = text.replace(fee, fee.replace("3.49 USD", "3.59 USD").replace("-3.49", "-3.59"))
    receipt = block_of(ledger, "shop:order:1001")
    text += "\n" + receipt + "\n"  # someone pasted the sale twice
    bill = next(b for b in text.split("\n\n") if 'hub_kind: "supplier_bill"' in b)
    text = text.replace(bill, bill.replace("  hub_kind:", '  hub_status: "voided"\n  hub_kind:'))
    ledger.write_text(text)
    before = ledger.read_text()
    report = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    outcomes = {f.key: (f.outcome, f.delta) for f in report.problems()}
    bill_key = next(k for k in outcomes if k.startswith("purchase:PO-1:receipt:"))
    assert outcomes == {
        "shop:payout:P1:fee:1": (Outcome.AMOUNT_MISMATCH, Decimal("0.10")),
        "shop:order:1001": (Outcome.DUPLICATE, Decimal("0.00")),
        bill_key: (Outcome.STATUS_DRIFT, Decimal("0.00")),
    }
    assert report.repaired == []
    assert ledger.read_text() == before  # nothing posted, nothing deleted


def test_a_daily_summary_posts_one_receipt_per_closed_day_and_late_orders_on_their_own(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    set_policy(uow, summary=SummaryMode.DAILY)
    for n, price in enumerate(["100.00", "50.00", "20.00"]):
        paid_order(uow, f"d{n}", price=price, tax="0", day=date(2026, 11, 3))
    paid_order(uow, "d3", price="30.00", tax="0", day=date(2026, 11, 4))
    paid_order(uow, "bad", tax_title="GST", day=date(2026, 11, 3))  # cannot be built
    report = accounting.generate_documents(uow(), "books")
    assert sorted(report.created) == ["shop:daily:2026-11-03:USD", "shop:daily:2026-11-04:USD"]
    assert list(report.held) == ["shop:order:bad"]  # held alone; the day still goes
    posting.post_pending_documents(uow, "books", connector)
    assert bean_check(ledger).returncode == 0
    assert balances(ledger)["Income:Sales"] == Decimal("-200.00")
    day = block_of(ledger, "shop:daily:2026-11-03:USD")
    assert "Assets:Clearing:Shop  170.00 USD" in day and "Income:Sales  -170.00 USD" in day

    paid_order(uow, "d4", price="5.00", tax="0", day=date(2026, 11, 3))  # arrives late
    late = accounting.generate_documents(uow(), "books")
    assert late.created == ["shop:order:d4"]
    posting.post_pending_documents(uow, "books", connector)
    assert 'hub_flags: "late_for_daily:2026-11-03"' in block_of(ledger, "shop:order:d4")
    report_after = reconcile(uow, "books", connector, NOVEMBER)
    assert report_after.counts()["matched"] == 3 and report_after.counts()["held"] == 1


def test_a_held_document_waits_in_the_error_queue_until_the_mapping_is_fixed(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    paid_order(uow, "5001", tax_title="GST")
    accounting.generate_documents(uow(), "books")
    with uow() as u:
        assert u.tenant_id is not None
        (error,) = list_errors(u.session, u.tenant_id)
    assert (error.stage, error.record) == ("accounting", "sales_receipt shop:order:5001")
    assert "GST" in error.reason and "--retry-held" in error.reason
    accounting_mapping.set_tax_codes(uow(), "books", [TaxEntry("GST", "GST10")])
    retried = accounting.generate_documents(uow(), "books", retry_held=True)
    assert retried.created == ["shop:order:5001"]
    with uow() as u:
        assert u.tenant_id is not None
        assert list_errors(u.session, u.tenant_id) == []
    posting.post_pending_documents(uow, "books", connector)
    assert 'tax_code: "GST10"' in block_of(ledger, "shop:order:5001")


def test_reconcile_reports_progress_per_document_kind_with_the_documents_read(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, _ = books
    posted_month(books)
    steps: list[tuple[str, int, int, int]] = []
    report = reconcile(uow, "books", connector, NOVEMBER, progress=lambda *step: steps.append(step))
    kinds = len(DocumentKind)
    assert steps[0] == ("hub", 1, 1, report.counts()["matched"])
    books_steps = [s for s in steps if s[0] == "books"]
    assert books_steps[0] == ("books", 0, kinds, 0)
    assert books_steps[-1] == ("books", kinds, kinds, report.counts()["matched"])
    assert [s[1] for s in books_steps] == sorted(s[1] for s in books_steps)
