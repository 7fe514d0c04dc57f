"""A month of shop events into a (mocked, XSD-checked, stateful) QuickBooks Online
through the real services: an answer lost after QuickBooks stored the entry is
recovered by DocNumber on the next run, nothing is duplicated, the month reconciles
and every payout clears to zero in the books too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from pydantic import SecretStr

from connectors.accounting.quickbooks import QuickBooksConfig, QuickBooksConnector
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet
from hub.domain.mappings import AccountRole
from hub.services import accounting, posting
from reconciliation import Period, reconcile, summary
from tests.contract.quickbooks_server import FakeQuickBooks
from tests.integration.books_setup import UowFactory, VirtualTime, setup_books
from tests.integration.test_beancount_books import shop_month

R = AccountRole
QBO_CHART = {  # QuickBooks account Ids
    R.SALES: "79",
    R.SHIPPING_INCOME: "80",
    R.DISCOUNTS: "86",
    R.SALES_TAX_PAYABLE: "88",
    R.CLEARING: "35",
    R.MARKETPLACE_FEES: "90",
    R.COGS: "91",
    R.INVENTORY: "81",
    R.ACCOUNTS_PAYABLE: "33",
}


@pytest.fixture
def qbo() -> Iterator[tuple[FakeQuickBooks, QuickBooksConnector]]:
    fake = FakeQuickBooks()
    tokens = TokenSet(SecretStr("at"), SecretStr("rt"), datetime.now(UTC) + timedelta(hours=1))
    config = QuickBooksConfig(realm_id="9130", client_id="c", client_secret=SecretStr("qbo-s-1"))
    time = VirtualTime()
    context = ConnectorContext(
        budgets=time, token_store=InMemoryTokenStore(tokens), sleep=time.sleep
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake, QuickBooksConnector(config, context)


def test_a_lost_answer_is_recovered_by_docnumber_and_the_month_reconciles(
    tenant: UowFactory, qbo: tuple[FakeQuickBooks, QuickBooksConnector]
) -> None:
    fake, connector = qbo
    setup_books(tenant, {"realm_id": "9130"}, system="quickbooks", chart=QBO_CHART, bank="36")
    shop_month(tenant)
    accounting.generate_documents(tenant(), "books")
    fake.lose_answers = 4  # every in-request retry of the first post loses its answer too
    first = posting.post_pending_documents(tenant, "books", connector)
    assert list(first.retry_later) == ["shop:order:1001"] and len(first.posted) == 5
    second = posting.post_pending_documents(tenant, "books", connector)
    assert second.found == ["shop:order:1001"] and second.posted == []
    assert len(fake.notes("JournalEntry")) == 5 and len(fake.notes("Bill")) == 1
    assert fake.notes("JournalEntry").count("shop:order:1001") == 1
    report = reconcile(tenant, "books", connector, Period.parse("2026-11"))
    assert report.reconciled, summary(report)
    assert report.counts()["matched"] == 6
    (clearing,) = report.clearing
    assert (clearing.account, clearing.books_balance) == ("35", Decimal("0.00"))
