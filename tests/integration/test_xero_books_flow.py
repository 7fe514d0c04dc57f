"""A month of shop events into a (mocked, spec-checked, stateful) Xero through the real
services: generated, posted exactly once, reconciled; a document deleted in Xero is
found missing and re-posted under a new idempotency key; a voided one is drift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import responses
from pydantic import SecretStr

from connectors.accounting.xero import XeroConfig, XeroConnector
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet
from hub.domain.mappings import AccountRole
from hub.services import accounting, posting
from reconciliation import Outcome, Period, reconcile, summary
from tests.contract.xero_server import FakeXero
from tests.integration.books_setup import UowFactory, VirtualTime, setup_books
from tests.integration.test_beancount_books import shop_month

R = AccountRole
XERO_CHART = {
    R.SALES: "200",
    R.SHIPPING_INCOME: "260",
    R.DISCOUNTS: "400",
    R.SALES_TAX_PAYABLE: "820",
    R.CLEARING: "1210",
    R.MARKETPLACE_FEES: "404",
    R.COGS: "310",
    R.INVENTORY: "630",
    R.ACCOUNTS_PAYABLE: "800",
}
NOVEMBER = Period.parse("2026-11")


@pytest.fixture
def xero_books() -> Iterator[tuple[FakeXero, XeroConnector]]:
    fake = FakeXero()
    tokens = TokenSet(SecretStr("at"), SecretStr("rt"), datetime.now(UTC) + timedelta(hours=1))
    config = XeroConfig(
        xero_tenant_id="t-1", client_id="c", client_secret=SecretStr("xero-secret-1")
    )
    time = VirtualTime()
    context = ConnectorContext(
        budgets=time, token_store=InMemoryTokenStore(tokens), sleep=time.sleep
    )
    connector = XeroConnector(config, context)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake, connector


def test_a_month_in_xero_posts_once_reconciles_and_repairs_a_deleted_invoice(
    tenant: UowFactory, xero_books: tuple[FakeXero, XeroConnector]
) -> None:
    fake, xero = xero_books
    setup_books(tenant, {"xero_tenant_id": "t-1"}, system="xero", chart=XERO_CHART, bank="090")
    shop_month(tenant)
    accounting.generate_documents(tenant(), "books")
    report = posting.post_pending_documents(tenant, "books", xero)
    assert len(report.posted) == 6 and report.held == {}
    assert sorted(fake.keys("Invoices")) == sorted(
        [
            "shop:order:1001",
            "shop:order:1002",
            next(k for k in fake.keys("Invoices") if k.startswith("purchase:")),
        ]
    )
    # Both receipts paid into clearing 1210, the refund's credit note paid out of it.
    paid = [(p.get("CreditNote") is not None, p["Account"]["Code"], str(p["Amount"]))
            for p in fake.objects["Payments"]]  # fmt: skip
    assert [p for p in paid if p[0]] == [(True, "1210", "55.00")] and len(paid) == 3
    clean = reconcile(tenant, "books", xero, NOVEMBER)
    assert clean.reconciled, summary(clean)
    assert clean.counts()["matched"] == 6

    fake.drop("Invoices", "shop:order:1001")
    found = reconcile(tenant, "books", xero, NOVEMBER)
    assert [f.key for f in found.problems()] == ["shop:order:1001"]
    assert found.problems()[0].outcome is Outcome.MISSING_IN_BOOKS
    repaired = reconcile(tenant, "books", xero, NOVEMBER, repair_missing=True)
    assert repaired.repaired == ["shop:order:1001"] and repaired.reconciled
    assert fake.keys("Invoices").count("shop:order:1001") == 1  # a new invoice, not a replay

    fake.set_status("CreditNotes", "shop:order:1002:refund:r1", "VOIDED")
    drift = reconcile(tenant, "books", xero, NOVEMBER, repair_missing=True)
    assert [(f.key, f.outcome) for f in drift.problems()] == [
        ("shop:order:1002:refund:r1", Outcome.STATUS_DRIFT)
    ]
    assert drift.repaired == []  # drift is for a person; nothing is posted or deleted
