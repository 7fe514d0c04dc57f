"""The accounting queue's task: generate and post a connection's documents exactly once,
through the real Beancount connector (found by name), as a worker would run it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import tasks
from hub.bootstrap import Hub
from hub.config import Settings
from tests.conftest import Database
from tests.integration.books_setup import UowFactory, paid_order, setup_books


@pytest.fixture
def worker_hub(db: Database) -> Iterator[Hub]:
    hub = Hub(Settings(database_url=db.url))
    tasks._the_hub = hub
    yield hub
    hub.close()
    tasks._the_hub = None


def test_post_documents_task_posts_each_document_once(
    tenant: UowFactory, tmp_path: Path, worker_hub: Hub
) -> None:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)})
    paid_order(tenant, "1001")
    with tenant() as uow:
        tenant_id = uow.tenant_id
    assert tenant_id is not None
    first = tasks.post_documents.run(tenant_id, "books")
    assert first["posted"] >= 1
    text = ledger.read_text()
    again = tasks.post_documents.run(tenant_id, "books")
    assert again["posted"] == 0
    assert ledger.read_text() == text
