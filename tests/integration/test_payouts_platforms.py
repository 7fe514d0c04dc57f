"""Each marketplace's payout end to end, on SQLite and PostgreSQL: pulled from mocks
shaped as the platform documents them (tests/contract/payout_docs.py), stored, booked
as one journal, posted to Beancount (bean-check), the clearing account at zero for the
payout, then matched to the bank statement line it landed as."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses
from pydantic import SecretStr
from sqlalchemy.orm import Session

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from connectors.base import StorefrontConnector
from connectors.shop_platforms.amazon import AmazonConfig, AmazonConnector
from connectors.shop_platforms.ebay import EbayConnector
from connectors.shop_platforms.woocommerce import WooCommerceConnector
from connectors.toolkit import ConnectorContext, InMemoryTokenStore, LocalRateBudgets, TokenSet
from hub.services import accounting, payouts, posting
from hub.services.sync_context import ChannelRef, SyncContext
from mapping.bank_statements import parse_csv, parse_ofx
from tests.conftest import Database
from tests.contract import payout_docs as pd
from tests.integration.books_setup import UowFactory, paid_order, setup_books
from tests.integration.test_beancount_books import balances, bean_check
from tests.integration.test_payouts_books import FULL_CHART


def _context() -> ConnectorContext:
    when = datetime.now(UTC) + timedelta(hours=1)
    store = InMemoryTokenStore(TokenSet(SecretStr("tok"), SecretStr("refresh"), when))
    return ConnectorContext(f"t-{uuid.uuid4().hex[:6]}", LocalRateBudgets(), store)


@dataclass(frozen=True)
class Platform:
    connector: Callable[[], Any]
    mock: Callable[[responses.RequestsMock], None]
    orders: list[tuple[str, str, str]]  # (external id, price, tax)
    payout: str
    net: str
    bank_reference: str
    balances: dict[str, str]


def _amazon_mock(api: responses.RequestsMock) -> None:
    base = "https://sellingpartnerapi-na.amazon.com/finances/v0/financialEventGroups"
    groups = {"payload": {"FinancialEventGroupList": [pd.amazon_group()]}}
    events = {"payload": {"FinancialEvents": pd.amazon_events()}}
    api.get(base, body=pd.amazon_json(groups), content_type="application/json")
    api.get(
        f"{base}/FEG-1/financialEvents",
        body=pd.amazon_json(events),
        content_type="application/json",
    )


def _ebay_mock(api: responses.RequestsMock) -> None:
    base = "https://apiz.ebay.com/sell/finances/v1"
    api.get(f"{base}/payout", json={"payouts": [pd.ebay_payout()], "total": 1})
    api.get(f"{base}/transaction", json={"transactions": pd.ebay_transactions(), "total": 3})


def _stripe_mock(api: responses.RequestsMock) -> None:
    base = "https://api.stripe.com/v1"
    api.get(
        f"{base}/payouts", json={"object": "list", "data": [pd.stripe_payout()], "has_more": False}
    )
    api.get(
        f"{base}/balance_transactions",
        json={"object": "list", "data": pd.stripe_transactions(), "has_more": False},
    )


PLATFORMS = {
    "amazon": Platform(
        lambda: AmazonConnector(
            AmazonConfig(
                marketplace_ids=["ATVPDKIKX0DER"],
                seller_id="S",
                lwa_client_id="c",
                lwa_client_secret=SecretStr("s"),
            ),
            _context(),
        ),
        _amazon_mock,
        [("111-2222222-3333333", "50.00", "0")],
        "FEG-1",
        "67.60",
        "AMZ-TRACE-7",
        {
            "Assets:Bank": "67.60",
            "Expenses:MarketplaceFees": "50.89",
            "Expenses:PayoutAdjustments": "-68.49",
        },
    ),
    "ebay": Platform(
        lambda: EbayConnector(
            EbayConnector.config_model.model_validate(
                {"client_id": "c", "client_secret": "s", "finances": True}
            ),
            _context(),
        ),
        _ebay_mock,
        [("12-34567-89012", "100.00", "0")],
        "6000012345",
        "80.53",
        "",
        {
            "Assets:Bank": "80.53",
            "Expenses:MarketplaceFees": "21.47",
            "Expenses:PayoutAdjustments": "-2.00",
        },
    ),
    "stripe": Platform(
        lambda: WooCommerceConnector(
            WooCommerceConnector.config_model.model_validate(
                {
                    "store_url": "https://shop.example",
                    "consumer_key": "ck",
                    "consumer_secret": "cs",
                    "stripe_secret_key": "rk_live_1",
                }
            ),
            _context(),
        ),
        _stripe_mock,
        [("501", "30.00", "3.00"), ("502", "10.00", "1.00")],
        "po_1OaFDbEcg9tTZuTgNYmX0PKB",
        "42.12",
        "SHOP PAYOUT 11/12",
        {"Assets:Bank": "42.12", "Expenses:MarketplaceFees": "1.88"},
    ),
}


@dataclass
class Fixed:
    connector: Any

    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        return self.connector  # type: ignore[no-any-return]


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_a_marketplace_payout_is_booked_with_clearing_at_zero_and_matched_to_the_bank(
    name: str, db: Database, tenant: UowFactory, tmp_path: Path, api: responses.RequestsMock
) -> None:
    platform = PLATFORMS[name]
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)}, chart=FULL_CHART)
    for external_id, price, tax in platform.orders:
        paid_order(tenant, external_id, price=price, tax=tax)
    platform.mock(api)
    with tenant() as u:
        tenant_id, channel_id = u.tenant_id, u.channels.by_key("shop").id
    assert tenant_id is not None and channel_id is not None
    ctx = SyncContext(db.session_factory, Fixed(platform.connector()))
    report = payouts.pull_payouts(ctx, tenant_id, channel_id, datetime(2026, 11, 1, tzinfo=UTC))
    assert (report.pulled, report.refused) == (1, {})

    generated = accounting.generate_documents(tenant(), "books")
    assert generated.held == {}, generated.held
    books = BeancountConnector(BeancountConfig(ledger_path=str(ledger)))
    posting.post_pending_documents(tenant, "books", books)
    checked = bean_check(ledger)
    assert checked.returncode == 0, checked.stderr
    got = balances(ledger)
    assert got["Assets:Clearing:Shop"] == Decimal("0.00")
    for account, amount in platform.balances.items():
        assert got[account] == Decimal(amount), account

    view = payouts.show_payout(tenant(), "shop", platform.payout, "books")
    assert view.clearing is not None and view.clearing.amount == 0 and view.differences == []
    assert view.bank_line is None and any("no bank line" in f for f in view.findings)

    # The bank statement: a decoy of the same amount a week later, and the real line.
    paid_on = view.settlement.paid_on
    csv_text = "date,amount,currency,reference\n" + "\n".join(
        [
            f"{paid_on + timedelta(days=9)},{platform.net},USD,OTHER TRANSFER",
            f"{paid_on + timedelta(days=1)},{platform.net},USD,DEPOSIT {platform.bank_reference}",
            f"{paid_on},-12.00,USD,CARD FEE",
        ]
    )
    result = payouts.import_bank_lines(tenant(), parse_csv(csv_text, "checking"))
    assert result.added == 3 and result.unmatched_payouts == []
    assert [label for label, _ in result.matched] == [f"payout shop:{platform.payout}"]
    view = payouts.show_payout(tenant(), "shop", platform.payout, "books")
    assert view.bank_line is not None
    assert view.bank_line.booked_on == paid_on + timedelta(days=1)
    assert view.findings == []
    # The same statement imported again adds nothing and matches nothing twice.
    again = payouts.import_bank_lines(tenant(), parse_csv(csv_text, "checking"))
    assert again.added == 0 and again.matched == []


OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261110
<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0
<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000248
<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20261101
<DTEND>20261110<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261109<TRNAMT>89.61<FITID>2026110901
<NAME>SHOPIFY<MEMO>SHOPIFY PAYOUT 77</STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT>1000.00
<DTASOF>20261110</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_an_ofx_statement_is_read_with_exact_amounts_and_its_fitid_as_identity() -> None:
    (line,) = parse_ofx(OFX.encode())
    assert (line.account, str(line.booked_on), line.amount.amount, line.amount.currency) == (
        "000123456789",
        "2026-11-09",
        Decimal("89.61"),
        "USD",
    )
    assert "SHOPIFY PAYOUT 77" in line.reference
    assert parse_ofx(OFX.encode())[0].fingerprint == line.fingerprint


def test_a_bad_csv_row_is_named_and_nothing_is_read() -> None:
    from hub.domain.errors import InvalidValue

    text = "date,amount,currency,reference\n2026-11-09,89.61,USD,OK\n2026-11-10,1.2.3,USD,BAD\n"
    with pytest.raises(InvalidValue) as caught:
        parse_csv(text, "checking")
    assert "row 3" in str(caught.value) and "amount" in str(caught.value)


def test_json_of_a_payout_view_is_plain(
    db: Database, tenant: UowFactory, tmp_path: Path, api: responses.RequestsMock
) -> None:
    setup_books(tenant, {"ledger_path": str(tmp_path / "b.beancount")}, chart=FULL_CHART)
    paid_order(tenant, "501", price="30.00", tax="3.00")
    paid_order(tenant, "502", price="10.00", tax="1.00")
    _stripe_mock(api)
    with tenant() as u:
        tenant_id, channel_id = u.tenant_id, u.channels.by_key("shop").id
    assert tenant_id is not None and channel_id is not None
    ctx = SyncContext(db.session_factory, Fixed(PLATFORMS["stripe"].connector()))
    payouts.pull_payouts(ctx, tenant_id, channel_id, datetime(2026, 11, 1, tzinfo=UTC))
    accounting.generate_documents(tenant(), "books")
    data = payouts.show_payout(tenant(), "shop", "po_1OaFDbEcg9tTZuTgNYmX0PKB", "books").as_dict()
    json.dumps(data)
    assert data["fees_by_order"] == {"501": {"stripe_fee": "1.26"}, "502": {"stripe_fee": "0.62"}}
    assert data["expected_bank_line"] == {
        "date": "2025-11-12",
        "amount": "42.12",
        "reference": "SHOP PAYOUT 11/12",
    }


def test_the_finance_role_reads_the_payout_clearing_report_over_the_api(
    db: Database, tenant: UowFactory, tmp_path: Path, api: responses.RequestsMock
) -> None:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app
    from hub.bootstrap import Hub
    from hub.config import Settings
    from hub.services import tokens
    from hub.services.tokens import Role

    setup_books(tenant, {"ledger_path": str(tmp_path / "b.beancount")}, chart=FULL_CHART)
    paid_order(tenant, "501", price="30.00", tax="3.00")
    paid_order(tenant, "502", price="10.00", tax="1.00")
    _stripe_mock(api)
    with tenant() as u:
        tenant_id, channel_id = u.tenant_id, u.channels.by_key("shop").id
    assert tenant_id is not None and channel_id is not None
    ctx = SyncContext(db.session_factory, Fixed(PLATFORMS["stripe"].connector()))
    payouts.pull_payouts(ctx, tenant_id, channel_id, datetime(2026, 11, 1, tzinfo=UTC))
    accounting.generate_documents(tenant(), "books")
    hub = Hub(Settings(database_url=db.url))
    try:
        with hub.uow(tenant_id) as u:
            secret = tokens.create_token(u.session, tenant_id, "finance", Role.FINANCE.value)
            plain = tokens.create_token(u.session, tenant_id, "viewer", Role.VIEWER.value)
            u.commit()
        client = TestClient(create_app(hub))
        auth = {"Authorization": f"Bearer {secret}"}
        report = client.get("/api/v1/payouts", params={"books": "books"}, headers=auth)
        assert report.status_code == 200, report.text
        (row,) = report.json()["items"]
        assert (row["payout"], row["clearing"], row["document"]["status"]) == (
            "po_1OaFDbEcg9tTZuTgNYmX0PKB",
            "0.00",
            "pending",
        )
        one = client.get(
            "/api/v1/payouts",
            headers=auth,
            params={"channel": "shop", "payout": "po_1OaFDbEcg9tTZuTgNYmX0PKB", "books": "books"},
        )
        assert one.json()["items"][0]["fees_by_order"]["501"] == {"stripe_fee": "1.26"}
        none = client.get("/api/v1/payouts", headers=auth, params={"payout": "po_none"})
        assert none.status_code == 200 and none.json()["items"] == []
        viewer = client.get("/api/v1/payouts", headers={"Authorization": f"Bearer {plain}"})
        assert viewer.status_code == 403
    finally:
        hub.close()
