"""`hub books post` and `hub reconcile` as an operator runs them, on the embedded default
(SQLite file + Beancount ledger)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import accounting, catalog
from tests.integration.books_setup import paid_order, refund, setup_books
from tests.integration.test_cli import hub


def seeded(tmp_path: Path) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    ledger = tmp_path / "books.beancount"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tenant = catalog.create_tenant(UnitOfWork(factory, None), "demo", "Demo")
    assert tenant.id is not None
    tid = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tid)

    setup_books(uow, {"ledger_path": str(ledger)})
    paid_order(uow, "1001")
    paid_order(uow, "1002", price="50.00", tax="5.00")
    refund(uow, "1002", "r1", "55.00", date(2026, 11, 5))
    accounting.record_payout(
        uow(),
        "shop",
        "P1",
        date(2026, 11, 8),
        Money.of("106.51", "USD"),
        fees=[("fee", Money.of("3.49", "USD"))],
        orders=["1001", "1002"],
        refunds=[("1002", "r1")],
    )
    engine.dispose()
    return url, ledger


def test_post_then_reconcile_then_repair_a_deleted_entry_from_the_command_line(
    tmp_path: Path,
) -> None:
    url, ledger = seeded(tmp_path)
    posted = hub(tmp_path, "books", "post", "--connection", "books", "--json", database_url=url)
    assert posted.returncode == 0, posted.stderr
    assert len(json.loads(posted.stdout)["posting"]["posted"]) == 5
    clean = hub(
        tmp_path,
        "reconcile",
        "--connection",
        "books",
        "--period",
        "2026-11",
        "--json",
        database_url=url,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["counts"]["matched"] == 5
    text = ledger.read_text()
    (sale,) = [b for b in text.split("\n\n") if 'hub_id: "shop:order:1001"' in b]
    ledger.write_text(text.replace(sale + "\n\n", ""))
    broken = hub(
        tmp_path,
        "reconcile",
        "--connection",
        "books",
        "--period",
        "2026-11",
        "--format",
        "csv",
        database_url=url,
    )
    assert broken.returncode == 1
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(broken.stdout))}
    assert rows["shop:order:1001"]["outcome"] == "missing_in_books"
    repaired = hub(
        tmp_path,
        "reconcile",
        "--connection",
        "books",
        "--period",
        "2026-11",
        "--repair",
        database_url=url,
    )
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "RECONCILED" in repaired.stdout and "shop:order:1001" in repaired.stdout
    assert ledger.read_text().count('hub_id: "shop:order:1001"') == 1
    listed = hub(tmp_path, "books", "documents", "--connection", "books", database_url=url)
    assert listed.returncode == 0 and "reposted:g2" in listed.stdout


def test_an_unknown_connection_is_one_clear_line(tmp_path: Path) -> None:
    url, _ = seeded(tmp_path)
    result = hub(
        tmp_path, "reconcile", "--connection", "nope", "--period", "2026-11", database_url=url
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "nope" in result.stderr and "Traceback" not in result.stderr
