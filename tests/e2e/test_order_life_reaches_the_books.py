"""An order's later life reaches stock *and* the books through the real paths: Shopify
order payloads (the Admin API's Order resource) delivered as successive updates go
through the inbox and ingest, the order-change path applies each fact and announces it
(`order.changed`), the books follower builds the documents and they are posted into a
real Beancount ledger (checked by bean-check). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from hub.db.accounting_store import DocumentStore
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import DocumentKind
from hub.services import order_books, posting
from hub.services.accounting_books import connection_id
from tests.conftest import Database
from tests.integration.books_setup import setup_books
from tests.integration.lifecycle_payloads import refund, shopify_order
from tests.integration.test_beancount_books import balances, bean_check
from tests.integration.test_order_lifecycle_stock import NJ_LOCATION, _deliver, _shop

Tenant = Callable[[], UnitOfWork]


def _books(tenant: Tenant, tmp_path: Path) -> tuple[BeancountConnector, Path]:
    ledger = tmp_path / "books.beancount"
    # The lifecycle payloads are in EUR: the books' home currency.
    setup_books(tenant, {"ledger_path": str(ledger)}, home="EUR")
    return BeancountConnector(BeancountConfig(ledger_path=str(ledger))), ledger


def _follow_and_post(tenant: Tenant, connector: BeancountConnector) -> list[str]:
    order_books.follow_order_changes(tenant)
    return sorted(posting.post_pending_documents(tenant, "books", connector).posted)


def _kinds(tenant: Tenant) -> dict[str, DocumentKind]:
    with tenant() as uow:
        assert uow.tenant_id is not None
        store = DocumentStore(uow.session, uow.tenant_id)
        return {d.key: d.kind for d in store.documents(connection_id(uow, "books"))}


def test_late_payment_then_refund_with_restock_post_once_each_and_stock_follows(
    db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    s = _shop(db, tenant)
    connector, ledger = _books(tenant, tmp_path)
    lines = [(11, "SKU-A", 3)]
    unpaid = shopify_order(71, "2026-11-01T09:00:00Z", lines,
                           financial_status="pending", paid=False)  # fmt: skip
    _deliver(s, unpaid)
    assert _follow_and_post(tenant, connector) == []  # nothing owed yet

    paid = shopify_order(71, "2026-11-01T10:00:00Z", lines)
    _deliver(s, paid, paid)  # the webhook and the poll both bring it
    posted = _follow_and_post(tenant, connector)
    assert len(posted) == 1 and posted[0].endswith(":order:71")
    assert _kinds(tenant)[posted[0]] is DocumentKind.SALES_RECEIPT
    assert s.shop.level("BER", "SKU-A") == (10, 3)

    shipped = shopify_order(71, "2026-11-02T09:00:00Z", lines, shipped={11: 3})
    refunded = shopify_order(
        71, "2026-11-03T09:00:00Z", lines, shipped={11: 3},
        financial_status="partially_refunded",
        refunds=[refund(871, "2026-11-03T08:00:00Z", [(11, 1)], location_id=int(NJ_LOCATION))],
    )  # fmt: skip
    # Out of order and twice: the refund version first, then the older shipment one.
    _deliver(s, refunded, shipped, refunded)
    again = _follow_and_post(tenant, connector)
    assert again == [f"{posted[0]}:refund:871"]
    assert _kinds(tenant)[again[0]] is DocumentKind.CREDIT_NOTE
    assert s.shop.level("BER", "SKU-A") == (7, 0)  # shipped out once
    assert s.shop.level("NJ", "SKU-A") == (6, 0)  # the restocked unit, where Shopify put it
    assert _follow_and_post(tenant, connector) == []  # nothing left to follow
    assert bean_check(ledger).returncode == 0
    assert balances(ledger)["Assets:Clearing:Shop"] == Decimal("20.00")  # 30 paid - 10 back
    assert ledger.read_text().count(f'hub_id: "{posted[0]}"') == 1
    assert s.shop.verify() == []


def test_a_cancellation_before_capture_releases_stock_and_books_nothing(
    db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    s = _shop(db, tenant)
    connector, ledger = _books(tenant, tmp_path)
    lines = [(11, "SKU-A", 2)]
    authorized = shopify_order(72, "2026-11-01T09:00:00Z", lines,
                               financial_status="authorized", paid=False)  # fmt: skip
    voided = shopify_order(72, "2026-11-01T10:00:00Z", lines, financial_status="voided",
                           paid=False, cancelled=True)  # fmt: skip
    _deliver(s, authorized)
    assert s.shop.level("BER", "SKU-A") == (10, 2)
    _deliver(s, voided, authorized)
    assert _follow_and_post(tenant, connector) == []
    assert _kinds(tenant) == {}
    assert s.shop.level("BER", "SKU-A") == (10, 0)
    assert not ledger.exists() or "72" not in ledger.read_text()
    assert s.shop.verify() == []
