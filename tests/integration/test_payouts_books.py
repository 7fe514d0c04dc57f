"""Payouts pulled from the channel end to end: Shopify Payments payout and balance
transactions (mocked as Shopify documents them) -> settlement -> one journal -> a
Beancount ledger bean-check accepts, with the clearing account at zero for the payout.
Bad input (lines that do not add up, a line for an unknown order) holds the whole
payout with a finding naming it, and posting resumes once fixed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses
from sqlalchemy.orm import Session

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from connectors.base import StorefrontConnector
from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.toolkit import ConnectorContext, LocalRateBudgets
from hub.db.settlement_store import SettlementStore
from hub.domain.documents import DocumentStatus
from hub.domain.mappings import AccountRole
from hub.services import accounting, payouts, posting
from hub.services.sync_context import ChannelRef, SyncContext
from reconciliation import Period, reconcile
from tests.conftest import Database
from tests.contract import payout_docs as pd
from tests.integration.books_setup import CHART, UowFactory, paid_order, refund, setup_books
from tests.integration.test_beancount_books import balances, bean_check

URL = "https://hub-demo.myshopify.com/admin/api/2025-01/graphql.json"
G1, G2 = pd.SHOPIFY_ORDER_1, pd.SHOPIFY_ORDER_2
FULL_CHART = {
    **CHART,
    AccountRole.PAYOUT_RESERVE: "Assets:Reserve:Shop",
    AccountRole.PAYOUT_ADJUSTMENTS: "Expenses:PayoutAdjustments",
}


@dataclass
class OneShop:
    connector: ShopifyConnector

    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        return self.connector  # type: ignore[return-value]


@pytest.fixture
def shop() -> ShopifyConnector:
    config = ShopifyConnector.config_model.model_validate(
        {"shop_url": "https://hub-demo.myshopify.com", "access_token": "shpat_abc"}
    )
    key = f"t-{uuid.uuid4().hex[:6]}"
    return ShopifyConnector(config, ConnectorContext(key, LocalRateBudgets()))


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def books(tenant: UowFactory, tmp_path: Path) -> tuple[UowFactory, BeancountConnector, Path]:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)}, chart=FULL_CHART)
    return tenant, BeancountConnector(BeancountConfig(ledger_path=str(ledger))), ledger


def month(uow: UowFactory) -> None:
    """Order 1 (100 + 10 tax), order 2 (50 + 5 tax) refunded in full."""
    paid_order(uow, G1)
    paid_order(uow, G2, price="50.00", tax="5.00")
    refund(uow, G2, "r1", "55.00", date(2026, 11, 5))


def pull(
    db: Database, uow: UowFactory, shop: ShopifyConnector, api: responses.RequestsMock,
    transactions: list[Any], net: str = "89.61",
) -> payouts.PayoutPullReport:  # fmt: skip
    api.post(URL, json=pd.shopify_page("payouts", [pd.shopify_payout(net)]))
    api.post(URL, json=pd.shopify_page("balanceTransactions", transactions))
    ctx = SyncContext(db.session_factory, OneShop(shop))
    tenant_id = uow().tenant_id
    assert tenant_id is not None
    with uow() as u:
        channel_id = u.channels.by_key("shop").id
    assert channel_id is not None
    return payouts.pull_payouts(ctx, tenant_id, channel_id, datetime(2026, 11, 1, tzinfo=UTC))


def test_a_pulled_payout_posts_one_journal_and_leaves_its_clearing_at_zero_in_beancount(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, connector, ledger = books
    month(uow)
    report = pull(db, uow, shop, api, pd.shopify_transactions())
    assert (report.pulled, report.changed, report.refused) == (1, 1, {})
    generated = accounting.generate_documents(uow(), "books")
    assert generated.held == {}
    assert "shop:settlement:gid://shopify/ShopifyPaymentsPayout/77" in generated.created
    posting.post_pending_documents(uow, "books", connector)
    result = bean_check(ledger)
    assert result.returncode == 0, result.stderr
    got = balances(ledger)
    assert got["Assets:Clearing:Shop"] == Decimal("0.00")
    assert got["Assets:Bank"] == Decimal("89.61")
    assert got["Expenses:MarketplaceFees"] == Decimal("10.39")  # 3.49 + 1.90 + label 5.00
    assert got["Assets:Reserve:Shop"] == Decimal("10.00")
    view = payouts.show_payout(uow(), "shop", "gid://shopify/ShopifyPaymentsPayout/77", "books")
    assert view.clearing is not None and view.clearing.amount == 0
    assert view.differences == []
    # The only finding left: no bank statement line has been matched yet.
    assert len(view.findings) == 1 and "no bank line matched" in view.findings[0]
    assert "89.61 USD on 2026-11-08" in view.findings[0]
    # Reconciliation sees the same: the payout's clearing is zero in hub and books.
    recon = reconcile(uow, "books", connector, Period(date(2026, 11, 1), date(2026, 11, 30)))
    tag = "shop:gid://shopify/ShopifyPaymentsPayout/77"
    (check,) = [c for c in recon.clearing if c.payout == tag]
    assert check.hub_balance == 0 and check.books_balance == 0


def test_lines_that_do_not_add_up_hold_the_whole_payout_naming_it_and_post_nothing(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, connector, ledger = books
    month(uow)
    pull(db, uow, shop, api, pd.shopify_transactions(), net="99.61")
    generated = accounting.generate_documents(uow(), "books")
    key = "shop:settlement:gid://shopify/ShopifyPaymentsPayout/77"
    assert key in generated.held
    reason = generated.held[key]
    assert "payout shop:gid://shopify/ShopifyPaymentsPayout/77" in reason
    assert "89.61" in reason and "99.61" in reason
    posting.post_pending_documents(uow, "books", connector)
    assert "ShopifyPaymentsPayout/77" not in ledger.read_text()
    assert bean_check(ledger).returncode == 0


def test_a_fee_for_an_unknown_order_holds_the_payout_until_the_order_arrives(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, connector, ledger = books
    paid_order(uow, G1)  # order 2 and its refund are not in the hub yet
    pull(db, uow, shop, api, pd.shopify_transactions())
    key = "shop:settlement:gid://shopify/ShopifyPaymentsPayout/77"
    held = accounting.generate_documents(uow(), "books").held
    assert G2 in held[key] and "does not have" in held[key]
    posting.post_pending_documents(uow, "books", connector)
    assert "ShopifyPaymentsPayout/77" not in ledger.read_text()
    # The order arrives: generating again with held documents retried posts the payout.
    paid_order(uow, G2, price="50.00", tax="5.00")
    refund(uow, G2, "r1", "55.00", date(2026, 11, 5))
    again = accounting.generate_documents(uow(), "books", retry_held=True)
    assert key in again.created
    posting.post_pending_documents(uow, "books", connector)
    assert bean_check(ledger).returncode == 0
    assert balances(ledger)["Assets:Clearing:Shop"] == Decimal("0.00")


def test_an_order_settled_at_another_figure_is_a_named_finding_with_the_difference(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, _, _ = books
    month(uow)
    txs = pd.shopify_transactions()
    # Shopify says order 1 was charged 111.00 (the hub has 110.00); the nets still add up.
    txs[0] = pd.shopify_tx(1, "CHARGE", "111.00", "3.49", "107.51", G1)
    pull(db, uow, shop, api, txs, net="90.61")
    accounting.generate_documents(uow(), "books")
    view = payouts.show_payout(uow(), "shop", "gid://shopify/ShopifyPaymentsPayout/77", "books")
    (diff,) = view.differences
    assert diff.order == G1 and diff.difference.amount == Decimal("1.00")
    assert view.clearing is not None and view.clearing.amount == Decimal("-1.00")
    assert any(f"order {G1}" in f and "111.00" in f for f in view.findings)


def test_a_payout_still_in_transit_is_stored_but_not_booked(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, _, _ = books
    month(uow)
    api.post(URL, json=pd.shopify_page("payouts", [pd.shopify_payout(status="IN_TRANSIT")]))
    api.post(URL, json=pd.shopify_page("balanceTransactions", pd.shopify_transactions()))
    ctx = SyncContext(db.session_factory, OneShop(shop))
    with uow() as u:
        tenant_id, channel_id = u.tenant_id, u.channels.by_key("shop").id
    assert tenant_id is not None and channel_id is not None
    payouts.pull_payouts(ctx, tenant_id, channel_id, datetime(2026, 11, 1, tzinfo=UTC))
    (stored,) = payouts.list_payouts(uow())
    assert stored.status == "in_transit" and not stored.settled and len(stored.lines) == 7
    generated = accounting.generate_documents(uow(), "books")
    assert not [k for k in generated.created if "settlement" in k]
    with uow() as u:
        assert u.tenant_id is not None
        assert SettlementStore(u.session, u.tenant_id).all({channel_id: "shop"})[0].id


def test_status_of_held_journal_is_reported(
    db: Database,
    books: tuple[UowFactory, BeancountConnector, Path],
    shop: ShopifyConnector,
    api: responses.RequestsMock,
) -> None:
    uow, _, _ = books
    month(uow)
    pull(db, uow, shop, api, pd.shopify_transactions(), net="1.00")
    accounting.generate_documents(uow(), "books")
    view = payouts.show_payout(uow(), "shop", "gid://shopify/ShopifyPaymentsPayout/77", "books")
    assert view.document is not None and view.document.status is DocumentStatus.HELD
    assert any("journal held" in f and "do not" not in f for f in view.findings)
