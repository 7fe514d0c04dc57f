"""Inventory journals in the online books: a scrap and a shipment's cost of goods post
as a QuickBooks JournalEntry (XSD-checked mock) and a Xero ManualJournal (spec-checked
mock), once each."""

from __future__ import annotations

from decimal import Decimal

from connectors.accounting.quickbooks import QuickBooksConnector
from connectors.accounting.xero import XeroConnector
from hub.domain.documents import short_reference
from hub.domain.mappings import AccountRole
from hub.services import accounting, inventory, posting
from tests.contract.quickbooks_server import FakeQuickBooks
from tests.contract.xero_server import FakeXero
from tests.integration.books_setup import UowFactory, setup_books, supplier_receipt
from tests.integration.test_quickbooks_books_flow import QBO_CHART, qbo  # noqa: F401
from tests.integration.test_xero_books_flow import XERO_CHART, xero_books  # noqa: F401

R = AccountRole


def _scrap_one(uow: UowFactory) -> str:
    supplier_receipt(uow, qty=3, cost="20")  # 3 x 20.00 into NJ: the bill books 60.00
    movement = inventory.scrap(uow(), "NJ", "TENT", 1, actor="t", reason="crushed in transit")
    return f"cogs:movement:{movement.id}"


def test_a_scrap_posts_to_quickbooks_as_a_journal_entry_once(
    tenant: UowFactory,
    qbo: tuple[FakeQuickBooks, QuickBooksConnector],  # noqa: F811
) -> None:
    fake, connector = qbo
    chart = {**QBO_CHART, R.INVENTORY_ADJUSTMENTS: "92"}
    setup_books(tenant, {"realm_id": "9130"}, system="quickbooks", chart=chart)
    key = _scrap_one(tenant)
    assert accounting.generate_documents(tenant(), "books").held == {}
    report = posting.post_pending_documents(tenant, "books", connector)
    assert key in report.posted
    (entry,) = [e for e in fake.entities["JournalEntry"] if e["DocNumber"] == short_reference(key)]
    assert Decimal(str(entry["TotalAmt"])) == Decimal("20.00")
    sides = {
        ln["JournalEntryLineDetail"]["AccountRef"]["value"]: ln["JournalEntryLineDetail"][
            "PostingType"
        ]
        for ln in entry["Line"]
    }
    assert sides == {"92": "Debit", "81": "Credit"}
    assert "crushed in transit" in str(entry["Line"])
    assert accounting.generate_documents(tenant(), "books").created == []


def test_a_scrap_posts_to_xero_as_a_manual_journal(
    tenant: UowFactory,
    xero_books: tuple[FakeXero, XeroConnector],  # noqa: F811
) -> None:
    fake, connector = xero_books
    chart = {**XERO_CHART, R.INVENTORY_ADJUSTMENTS: "480"}
    setup_books(tenant, {"xero_tenant_id": "t-1"}, system="xero", chart=chart, bank="090")
    key = _scrap_one(tenant)
    assert accounting.generate_documents(tenant(), "books").held == {}
    report = posting.post_pending_documents(tenant, "books", connector)
    assert key in report.posted
    journals = [j for j in fake.objects["ManualJournals"] if key in j["Narration"]]
    (journal,) = journals
    amounts = {ln["AccountCode"]: Decimal(str(ln["LineAmount"])) for ln in journal["JournalLines"]}
    assert amounts == {"480": Decimal("20.00"), "630": Decimal("-20.00")}
