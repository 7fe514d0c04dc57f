"""A month for a merchant with two channels, Shopify and Amazon, each clearing through its
own account: orders, a refund, both channels' payouts pulled from mocks shaped by their
documents, one Beancount ledger. bean-check accepts it (every transaction balances), each
channel's clearing account is zero, and reconciliation finds each payout clear."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import responses
from sqlalchemy.orm import Session

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from connectors.base import AccountingConnector, StorefrontConnector
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, Payment
from hub.services import accounting, accounting_mapping, catalog, payouts, posting
from hub.services.sync_context import ChannelRef, SyncContext
from mapping.accounting import ChartEntry
from reconciliation import Period, reconcile
from tests.conftest import Database
from tests.contract import payout_docs as pd
from tests.integration.books_setup import UowFactory, paid_order, refund, setup_books
from tests.integration.test_beancount_books import balances, bean_check
from tests.integration.test_payouts_books import FULL_CHART, URL, shop
from tests.integration.test_payouts_platforms import PLATFORMS, _amazon_mock

__all__ = ["shop"]  # the fixture, imported for this module's tests


class ByChannel:
    def __init__(self, connectors: dict[str, object]) -> None:
        self.connectors = connectors

    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        return self.connectors[channel.name]  # type: ignore[return-value]


def amazon_order(uow: UowFactory, external_id: str, price: str) -> None:
    when = datetime(2026, 11, 3, 12, tzinfo=UTC)
    with uow() as u:
        channel = u.channels.by_key("amazon")
        assert channel.id is not None and u.tenant_id is not None
        order = Order(u.tenant_id, channel.id, external_id, "USD", when, customer_name="Bo")
        order.add_line(
            OrderLine("TENT", 1, Money.of(price, "USD"), title="Tent", tenant_id=u.tenant_id)
        )
        order.payments.append(
            Payment("amazon", order.grand_total, f"p-{external_id}", when, tenant_id=u.tenant_id)
        )
        u.orders.add(order)
        u.commit()


def post_two_channel_month(
    db: Database,
    tenant: UowFactory,
    shop: object,
    books: AccountingConnector,
    settings: dict[str, object],
    system: str = "beancount",
) -> None:
    """Both channels' orders, a refund and both payouts pulled, generated and posted."""
    setup_books(tenant, settings, system=system, chart=FULL_CHART)
    catalog.create_channel(tenant(), "amazon", "amazon", "USD")
    entries = [ChartEntry(role, code) for role, code in FULL_CHART.items()]
    entries.append(ChartEntry(AccountRole.CLEARING, "Assets:Clearing:Amazon", "channel:amazon"))
    accounting_mapping.set_accounts(tenant(), "books", entries)

    paid_order(tenant, pd.SHOPIFY_ORDER_1)
    paid_order(tenant, pd.SHOPIFY_ORDER_2, price="50.00", tax="5.00")
    refund(tenant, pd.SHOPIFY_ORDER_2, "r1", "55.00", date(2026, 11, 5))
    amazon_order(tenant, "111-2222222-3333333", "50.00")

    ctx = SyncContext(
        db.session_factory, ByChannel({"shop": shop, "amazon": PLATFORMS["amazon"].connector()})
    )
    with tenant() as u:
        tenant_id = u.tenant_id
        ids = {name: u.channels.by_key(name).id for name in ("shop", "amazon")}
    assert tenant_id is not None
    since = datetime(2026, 11, 1, tzinfo=UTC)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.post(URL, json=pd.shopify_page("payouts", [pd.shopify_payout()]))
        api.post(URL, json=pd.shopify_page("balanceTransactions", pd.shopify_transactions()))
        _amazon_mock(api)
        for channel_id in ids.values():
            assert channel_id is not None
            assert payouts.pull_payouts(ctx, tenant_id, channel_id, since).refused == {}

    generated = accounting.generate_documents(tenant(), "books")
    assert generated.held == {}, generated.held
    posting.post_pending_documents(tenant, "books", books)


def test_two_channels_month_books_both_payouts_with_each_clearing_at_zero(
    db: Database, tenant: UowFactory, tmp_path: Path, shop: object
) -> None:
    ledger = tmp_path / "books.beancount"
    books = BeancountConnector(BeancountConfig(ledger_path=str(ledger)))
    post_two_channel_month(db, tenant, shop, books, {"ledger_path": str(ledger)})
    checked = bean_check(ledger)
    assert checked.returncode == 0, checked.stderr
    got = balances(ledger)
    assert got["Assets:Clearing:Shop"] == Decimal("0.00")
    assert got["Assets:Clearing:Amazon"] == Decimal("0.00")
    assert got["Assets:Bank"] == Decimal("157.21")  # 89.61 Shopify + 67.60 Amazon
    assert sum(got.values()) == 0  # the trial balance balances
    recon = reconcile(tenant, "books", books, Period(date(2026, 11, 1), date(2026, 11, 30)))
    clear = {c.payout: (c.account, c.hub_balance, c.books_balance) for c in recon.clearing}
    assert clear["shop:gid://shopify/ShopifyPaymentsPayout/77"] == (
        "Assets:Clearing:Shop",
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert clear["amazon:FEG-1"] == ("Assets:Clearing:Amazon", Decimal("0.00"), Decimal("0.00"))
