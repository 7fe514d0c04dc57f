"""The accounting queue's task: generate and post a connection's documents exactly once,
through the real Beancount connector (found by name), as a worker would run it; a run the
books stopped (bad credentials, a missing ledger) is not reported as success."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import RetriableError
from hub.bootstrap import Hub, use_hub
from hub.celery_app import app
from hub.config import Settings
from tests.conftest import Database
from tests.integration.books_setup import UowFactory, paid_order, setup_books


@pytest.fixture
def worker_hub(db: Database) -> Iterator[Hub]:
    app.loader.import_default_modules()  # the task modules, in the order a worker imports them
    hub = Hub(Settings(database_url=db.url))
    use_hub(hub)
    yield hub
    hub.close()
    use_hub(None)


def _tenant_id(tenant: UowFactory) -> int:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return uow.tenant_id


def test_post_documents_task_posts_each_document_once(
    tenant: UowFactory, tmp_path: Path, worker_hub: Hub
) -> None:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)})
    paid_order(tenant, "1001")
    tenant_id = _tenant_id(tenant)
    first = app.tasks["hub.tasks.post_documents"].run(tenant_id, "books")
    assert first["posted"] >= 1
    text = ledger.read_text()
    again = app.tasks["hub.tasks.post_documents"].run(tenant_id, "books")
    assert again["posted"] == 0
    assert ledger.read_text() == text


def test_a_posting_run_the_books_stopped_does_not_end_as_success(
    tenant: UowFactory, tmp_path: Path, worker_hub: Hub
) -> None:
    # The ledger's folder does not exist: the connector refuses as a configuration
    # problem (like bad credentials on QuickBooks or Xero), and the run stops. Which of
    # two copies Celery kept under one name depended on import order; the test below
    # keeps it at one, and this one holds that one to the stop.
    setup_books(tenant, {"ledger_path": str(tmp_path / "gone" / "books.beancount")})
    paid_order(tenant, "1001")
    with pytest.raises(RetriableError, match="does not exist"):
        app.tasks["hub.tasks.post_documents"].run(_tenant_id(tenant), "books")


def test_every_celery_task_name_is_registered_by_exactly_one_function() -> None:
    """Celery keeps the first function registered under a name and silently ignores the
    rest; two definitions means one of them never runs."""
    names: dict[str, list[str]] = {}
    root = Path(__file__).resolve().parents[2]
    for module in app.conf.include:
        path = root / (module.replace(".", "/") + ".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                named = [k.value for k in decorator.keywords if k.arg == "name"]
                named += decorator.args[:1]
                for value in named:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        names.setdefault(value.value, []).append(f"{module}.{node.name}")
    assert names, "no tasks found: the test reads the modules the app includes"
    assert {n: where for n, where in names.items() if len(where) > 1} == {}
    app.loader.import_default_modules()
    registered = {n for n in app.tasks if n.startswith("hub.")}
    assert registered == set(names)
