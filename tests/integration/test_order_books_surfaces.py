"""Where the books follow orders: the accounting tick's tasks (a tenant with books and one
without) and the operator's `hub books follow` / `hub books posting-point`."""

from __future__ import annotations

import json
from pathlib import Path

from hub.bootstrap import Hub
from hub.celery_app import app
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.outbox import Outbox
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog
from hub.services.dispatch import InlineDispatcher
from hub.services.order_events import ORDER_CHANGED
from hub.services.sync_context import RegistryConnectors, SyncContext
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes import memshop
from tests.integration.books_setup import UowFactory, paid_order, setup_books
from tests.integration.test_accounting_task import worker_hub  # noqa: F401
from tests.integration.test_cli import hub
from tests.integration.test_order_books import change, documents, pay, ship, unpaid_order


def _tenant_id(tenant: UowFactory) -> int:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return uow.tenant_id


def _pending(tenant: UowFactory) -> int:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return len(Outbox(uow.session, uow.tenant_id).pending(ORDER_CHANGED))


def test_the_posting_task_follows_a_late_payment_before_it_posts(
    tenant: UowFactory,
    tmp_path: Path,
    worker_hub: Hub,  # noqa: F811
) -> None:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)})
    order_id = unpaid_order(tenant, "3001")
    change(tenant, order_id, "payment", pay)
    first = app.tasks["hub.tasks.post_documents"].run(_tenant_id(tenant), "books")
    assert first["posted"] == 1 and _pending(tenant) == 0
    assert ledger.read_text().count('hub_id: "shop:order:3001"') == 1


def test_a_tenant_without_books_has_its_order_changes_delivered_by_the_tick(
    tenant: UowFactory,
    worker_hub: Hub,  # noqa: F811
) -> None:
    catalog.create_channel(tenant(), "shop", "shopify", "USD")
    order = paid_order(tenant, "3002")
    change(tenant, order.id or 0, "payment")
    result = app.tasks["hub.tasks.follow_orders"].run(_tenant_id(tenant))
    assert result == {"events": 1, "built": 0}
    assert _pending(tenant) == 0


def test_an_operator_sets_a_channel_to_invoice_on_dispatch_and_follows_from_the_cli(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    made = catalog.create_tenant(UnitOfWork(factory, None), "demo", "Demo")
    assert made.id is not None
    tid = made.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tid)

    setup_books(uow, {"ledger_path": str(tmp_path / "books.beancount")})
    wrong = hub(tmp_path, "books", "posting-point", "--channel", "shop", "dispatch",
                database_url=url)  # fmt: skip
    assert wrong.returncode != 0 and "shop" in wrong.stderr and "payment" in wrong.stderr
    point = hub(tmp_path, "books", "posting-point", "--channel", "shop", "shipment",
                database_url=url)  # fmt: skip
    assert point.returncode == 0, point.stderr
    assert "shop: orders are invoiced on shipment" in point.stdout
    order_id = unpaid_order(uow, "3003")
    change(uow, order_id, "shipment", ship)
    engine.dispose()
    followed = hub(tmp_path, "books", "follow", "--json", database_url=url)
    assert followed.returncode == 0, followed.stderr
    report = json.loads(followed.stdout)
    assert report["events"] == 1 and report["documents"]["created"] == ["shop:order:3003"]
    again = hub(tmp_path, "books", "follow", database_url=url)
    assert again.stdout.startswith("0 order changes on 0 orders")


def test_the_inline_sync_path_lets_the_books_follow_after_it_relays(
    db: Database, tenant: UowFactory
) -> None:
    setup_books(tenant, {"ledger_path": "/nonexistent/books.beancount"})
    order_id = unpaid_order(tenant, "3004")
    change(tenant, order_id, "payment", pay)
    ctx = SyncContext(db.session_factory, RegistryConnectors(memshop.registry()), SyncSettings())
    InlineDispatcher(ctx).relay(_tenant_id(tenant))  # what `hub sync pull` runs after intake
    assert _pending(tenant) == 0
    assert "shop:order:3004" in documents(tenant)
