"""A pulled payout's journal in the online books: QuickBooks Online (XSD-checked mock)
and Xero (spec-checked mock). Posted once, reconciled, and the payout's clearing is
zero in the books too (Xero: from the payments into and out of clearing that settle its
invoices and credit notes, which Xero books on the receivables side itself)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.accounting.quickbooks import QuickBooksConnector
from connectors.accounting.xero import XeroConnector
from hub.db.settlement_store import SettlementStore
from hub.domain.documents import short_reference
from hub.domain.mappings import AccountRole
from hub.services import accounting, posting
from mapping.payouts.shopify import map_payout
from reconciliation import Period, reconcile, summary
from tests.contract import payout_docs as pd
from tests.contract.quickbooks_server import FakeQuickBooks
from tests.contract.xero_server import FakeXero
from tests.integration.books_setup import UowFactory, paid_order, refund, setup_books
from tests.integration.test_quickbooks_books_flow import QBO_CHART, qbo  # noqa: F401
from tests.integration.test_xero_books_flow import XERO_CHART, xero_books  # noqa: F401

R = AccountRole
TAG = "shop:gid://shopify/ShopifyPaymentsPayout/77"


def month_with_payout(uow: UowFactory) -> None:
    paid_order(uow, pd.SHOPIFY_ORDER_1)
    paid_order(uow, pd.SHOPIFY_ORDER_2, price="50.00", tax="5.00")
    refund(uow, pd.SHOPIFY_ORDER_2, "r1", "55.00", date(2026, 11, 5))
    payload = {"payout": pd.shopify_payout(), "transactions": pd.shopify_transactions()}
    with uow() as u:
        assert u.tenant_id is not None
        channel_id = u.channels.by_key("shop").id
        assert channel_id is not None
        SettlementStore(u.session, u.tenant_id).save(
            channel_id, map_payout(payload, "shop"), payload
        )
        u.commit()


def test_the_payout_journal_posts_to_quickbooks_and_clears_to_zero_there(
    tenant: UowFactory,
    qbo: tuple[FakeQuickBooks, QuickBooksConnector],  # noqa: F811
) -> None:
    fake, connector = qbo
    chart = {**QBO_CHART, R.PAYOUT_RESERVE: "37", R.PAYOUT_ADJUSTMENTS: "92"}
    setup_books(tenant, {"realm_id": "9130"}, system="quickbooks", chart=chart, bank="36")
    month_with_payout(tenant)
    generated = accounting.generate_documents(tenant(), "books")
    assert generated.held == {}
    report = posting.post_pending_documents(tenant, "books", connector)
    assert "shop:settlement:gid://shopify/ShopifyPaymentsPayout/77" in report.posted
    number = short_reference("shop:settlement:gid://shopify/ShopifyPaymentsPayout/77")
    (journal,) = [e for e in fake.entities["JournalEntry"] if e["DocNumber"] == number]
    # Debits: fees 3.49 + 1.90 + 5.00, reserve 10.00, bank 89.61 = the 110.00 cleared.
    assert Decimal(str(journal["TotalAmt"])) == Decimal("110.00")
    recon = reconcile(tenant, "books", connector, Period.parse("2026-11"))
    assert recon.reconciled, summary(recon)
    (check,) = [c for c in recon.clearing if c.payout == TAG]
    assert (check.account, check.hub_balance, check.books_balance) == (
        "35",
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_the_payout_journal_posts_to_xero_as_a_manual_journal(
    tenant: UowFactory,
    xero_books: tuple[FakeXero, XeroConnector],  # noqa: F811
) -> None:
    _, connector = xero_books
    chart = {**XERO_CHART, R.PAYOUT_RESERVE: "610", R.PAYOUT_ADJUSTMENTS: "480"}
    setup_books(tenant, {"xero_tenant_id": "t-1"}, system="xero", chart=chart, bank="090")
    month_with_payout(tenant)
    assert accounting.generate_documents(tenant(), "books").held == {}
    report = posting.post_pending_documents(tenant, "books", connector)
    assert "shop:settlement:gid://shopify/ShopifyPaymentsPayout/77" in report.posted
    recon = reconcile(tenant, "books", connector, Period.parse("2026-11"))
    (check,) = [c for c in recon.clearing if c.payout == TAG]
    assert check.hub_balance == Decimal("0.00")
    # Xero states its invoices whole: the receipts' payments and the credit note's refund
    # into and out of clearing give the books' figure (it was "unknown" before).
    assert (check.books_balance, check.documents) == (Decimal("0.00"), 4)
