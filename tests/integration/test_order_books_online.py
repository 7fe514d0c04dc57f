"""The books follow an order's life into QuickBooks Online and Xero (stateful fakes that
check every request against the official XSDs and OpenAPI document): a late payment is
posted once; an invoice posted on dispatch and then cancelled before capture is undone
by a reversing JournalEntry in QuickBooks and by a credit note allocated to the invoice
in Xero; the books then reconcile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.accounting.quickbooks import QuickBooksConnector
from connectors.accounting.xero import XeroConnector
from connectors.base import AccountingConnector
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import PostingPoint
from hub.domain.order_documents import reversal_key
from hub.domain.orders import FinancialStatus, Order, OrderStatus
from hub.services import order_books, posting
from reconciliation import Period, reconcile, summary
from tests.contract.quickbooks_server import FakeQuickBooks
from tests.contract.xero_server import FakeXero
from tests.integration.books_setup import UowFactory, setup_books
from tests.integration.test_order_books import cancel, change, pay, ship, unpaid_order
from tests.integration.test_quickbooks_books_flow import QBO_CHART, qbo  # noqa: F401
from tests.integration.test_xero_books_flow import XERO_CHART, xero_books  # noqa: F401

# November, when the orders were placed, up to today, when the hub voids.
SINCE_NOVEMBER = Period(date(2026, 11, 1), max(date.today(), date(2026, 11, 30)))


def follow_and_post(uow: UowFactory, connector: AccountingConnector) -> list[str]:
    order_books.follow_order_changes(uow)
    return posting.post_pending_documents(uow, "books", connector).posted


def dispatch_then_cancel(uow: UowFactory, connector: AccountingConnector, number: str) -> None:
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, number)
    change(uow, order_id, "shipment", ship)
    assert follow_and_post(uow, connector) == [f"shop:order:{number}"]
    change(uow, order_id, "cancellation", cancel)
    assert follow_and_post(uow, connector) == [f"shop:order:{number}:void"]
    change(uow, order_id, "cancellation")  # delivered again
    assert follow_and_post(uow, connector) == []


def test_quickbooks_gets_a_reversing_journal_entry_for_an_invoice_cancelled_before_capture(
    tenant: UowFactory,
    qbo: tuple[FakeQuickBooks, QuickBooksConnector],  # noqa: F811
) -> None:
    fake, connector = qbo
    setup_books(tenant, {"realm_id": "9130"}, system="quickbooks", chart=QBO_CHART, bank="36")
    dispatch_then_cancel(tenant, connector, "2001")
    entries = {r["PrivateNote"]: r for r in fake.entities["JournalEntry"]}
    assert sorted(entries) == ["shop:order:2001", "shop:order:2001:void"]

    def signed(entry: dict[str, object]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for ln in entry["Line"]:  # type: ignore[attr-defined]
            detail = ln["JournalEntryLineDetail"]
            sign = 1 if detail["PostingType"] == "Debit" else -1
            account = detail["AccountRef"]["value"]
            out[account] = out.get(account, Decimal(0)) + sign * Decimal(str(ln["Amount"]))
        return out

    invoice, void = signed(entries["shop:order:2001"]), signed(entries["shop:order:2001:void"])
    assert invoice == {"35": Decimal("110.00"), "79": Decimal("-100.00"), "88": Decimal("-10.00")}
    assert void == {account: -amount for account, amount in invoice.items()}
    report = reconcile(tenant, "books", connector, SINCE_NOVEMBER)
    assert report.reconciled, summary(report)


def test_quickbooks_gets_a_late_payments_receipt_once(
    tenant: UowFactory,
    qbo: tuple[FakeQuickBooks, QuickBooksConnector],  # noqa: F811
) -> None:
    fake, connector = qbo
    setup_books(tenant, {"realm_id": "9130"}, system="quickbooks", chart=QBO_CHART, bank="36")
    order_id = unpaid_order(tenant, "2002")
    assert follow_and_post(tenant, connector) == []
    change(tenant, order_id, "payment", pay)
    change(tenant, order_id, "payment")
    assert follow_and_post(tenant, connector) == ["shop:order:2002"]
    assert follow_and_post(tenant, connector) == []
    assert fake.notes("JournalEntry") == ["shop:order:2002"]


def test_xero_gets_a_credit_note_allocated_to_the_invoice_a_cancellation_voids(
    tenant: UowFactory,
    xero_books: tuple[FakeXero, XeroConnector],  # noqa: F811
) -> None:
    fake, connector = xero_books
    setup_books(tenant, {"xero_tenant_id": "t-1"}, system="xero", chart=XERO_CHART, bank="090")
    dispatch_then_cancel(tenant, connector, "2003")
    (invoice,) = fake.objects["Invoices"]
    (credit,) = fake.objects["CreditNotes"]
    assert (invoice["Reference"], credit["Reference"]) == (
        "shop:order:2003",
        reversal_key("shop:order:2003"),
    )
    assert credit["Type"] == "ACCRECCREDIT" and Decimal(str(credit["Total"])) == Decimal("110.00")
    assert fake.allocations == [
        {
            "CreditNoteID": credit["CreditNoteID"],
            "Amount": Decimal("110.00"),
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Date": date.today().isoformat(),
        }
    ]
    assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0  # settled by the credit
    assert "Payments" not in fake.objects
    report = reconcile(tenant, "books", connector, SINCE_NOVEMBER)
    assert report.reconciled, summary(report)


def test_xero_leaves_a_paid_receipts_reversal_unallocated(
    tenant: UowFactory,
    xero_books: tuple[FakeXero, XeroConnector],  # noqa: F811
) -> None:
    fake, connector = xero_books
    setup_books(tenant, {"xero_tenant_id": "t-1"}, system="xero", chart=XERO_CHART, bank="090")
    order_id = unpaid_order(tenant, "2004")
    change(tenant, order_id, "payment", pay)
    assert follow_and_post(tenant, connector) == ["shop:order:2004"]

    def voided(order: Order, u: UnitOfWork) -> None:
        order.financial_status = FinancialStatus.VOIDED
        order.status = OrderStatus.CANCELLED

    change(tenant, order_id, "payment", voided)
    assert follow_and_post(tenant, connector) == ["shop:order:2004:void"]
    assert len(fake.objects["CreditNotes"]) == 1 and fake.allocations == []
