"""`hub payouts list|show|bank` as an operator runs them on the embedded default, and
`hub payouts pull` refusing clearly for a channel without a connection."""

from __future__ import annotations

import json
from pathlib import Path

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.settlement_store import SettlementStore
from hub.db.unit_of_work import UnitOfWork
from hub.services import accounting, catalog
from mapping.payouts.stripe import map_payout
from tests.contract import payout_docs as pd
from tests.integration.books_setup import paid_order, setup_books
from tests.integration.test_cli import hub
from tests.integration.test_payouts_books import FULL_CHART

PAYOUT = "po_1OaFDbEcg9tTZuTgNYmX0PKB"


def seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tenant = catalog.create_tenant(UnitOfWork(factory, None), "demo", "Demo")
    tid = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tid)

    setup_books(uow, {"ledger_path": str(tmp_path / "books.beancount")}, chart=FULL_CHART)
    paid_order(uow, "501", price="30.00", tax="3.00")
    paid_order(uow, "502", price="10.00", tax="1.00")
    payload = {"payout": pd.stripe_payout(), "transactions": pd.stripe_transactions()}
    with uow() as u:
        assert u.tenant_id is not None
        channel_id = u.channels.by_key("shop").id
        assert channel_id is not None
        SettlementStore(u.session, u.tenant_id).save(
            channel_id, map_payout(payload, "shop"), payload
        )
        u.commit()
    accounting.generate_documents(uow(), "books")
    engine.dispose()
    return url


def test_list_show_and_match_a_bank_statement_from_the_command_line(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    listed = hub(tmp_path, "payouts", "list", "--json", database_url=url)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["payout"], row["net"], row["status"], row["lines"]) == (
        PAYOUT,
        "42.12",
        "paid",
        "4",
    )
    shown = hub(
        tmp_path,
        "payouts",
        "show",
        "--channel",
        "shop",
        "--id",
        PAYOUT,
        "--books",
        "books",
        "--json",
        database_url=url,
    )
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["clearing"] == "0.00" and view["document"]["status"] == "pending"
    assert [f for f in view["findings"] if "no bank line" in f]
    statement = tmp_path / "november.csv"
    statement.write_text("date,amount,currency,reference\n2025-11-13,42.12,USD,SHOP PAYOUT 11/12\n")
    matched = hub(tmp_path, "payouts", "bank", str(statement), "--json", database_url=url)
    assert matched.returncode == 0, matched.stderr
    assert json.loads(matched.stdout)["matched"] == [[f"payout shop:{PAYOUT}", "SHOP PAYOUT 11/12"]]
    report = hub(tmp_path, "payouts", "list", "--books", "books", "--json", database_url=url)
    (status,) = json.loads(report.stdout)
    assert (status["clearing"], status["bank"], status["findings"]) == ("0.00", "2025-11-13", "0")
    human = hub(
        tmp_path,
        "payouts",
        "show",
        "--channel",
        "shop",
        "--id",
        PAYOUT,
        "--books",
        "books",
        database_url=url,
    )
    assert "no findings" in human.stdout and "stripe_fee" in human.stdout


def test_pull_for_a_channel_without_a_connection_is_one_clear_line(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    pulled = hub(tmp_path, "payouts", "pull", "--channel", "shop", database_url=url)
    assert pulled.returncode != 0
    assert "shop" in pulled.stderr and "Traceback" not in pulled.stderr
