"""A finance team connects a GnuCash book from the command line and the dashboard, then
posts and reconciles into it, with no SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.db.unit_of_work import UnitOfWork
from hub.services import accounting_mapping, catalog
from hub.services.tokens import Role
from mapping.accounting import ChartEntry, TaxEntry
from tests.contract.gnucash_book import require_gnucash
from tests.integration.books_setup import CHART, paid_order, set_policy
from tests.integration.test_books_connect import Setup, _client, setup

__all__ = ["setup"]  # the fixture, shared with the other books-connection tests


@pytest.fixture(autouse=True)
def engine() -> None:
    require_gnucash()


def test_gnucash_connects_with_a_new_book_then_posts_and_reconciles_from_the_cli(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "books.gnucash"
    assert setup.cli("books", "connect", "gnucash", "books", "--book", str(book)) == 0
    assert "connected books (gnucash): 0 accounts" in capsys.readouterr().out
    assert book.exists()  # created by GnuCash's engine, an empty book
    assert setup.cli("books", "list", "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["system"] == "gnucash" and listed["settings"]["book_path"] == str(book)
    assert listed["secret_fields"] == []

    def uow() -> UnitOfWork:
        return setup.hub.uow(setup.tenant_id)

    catalog.create_channel(uow(), "shop", "shopify", "USD")
    accounting_mapping.set_accounts(uow(), "books", [ChartEntry(r, c) for r, c in CHART.items()])
    accounting_mapping.set_tax_codes(uow(), "books", [TaxEntry("VAT", "VAT20")])
    set_policy(uow)
    paid_order(uow, "1001")
    assert setup.cli("books", "post", "--connection", "books", "--json") == 0
    assert json.loads(capsys.readouterr().out)["posting"]["posted"] == ["shop:order:1001"]
    assert setup.cli("books", "test", "books", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "connection": "books",
        "accounts": 3,  # clearing, sales, sales tax: made by the first post
        "tax_codes": 1,
    }
    code = setup.cli("reconcile", "--connection", "books", "--period", "2026-11", "--json")
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["counts"]["matched"] == 1


def test_a_book_in_a_missing_folder_is_refused_naming_the_connection(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "gone" / "books.gnucash"
    assert setup.cli("books", "connect", "gnucash", "books", "--book", str(book)) == 1
    err = capsys.readouterr().err
    assert "books connection 'books'" in err and "does not exist" in err


def test_the_finance_role_connects_a_gnucash_book_on_the_dashboard(
    setup: Setup, tmp_path: Path
) -> None:
    book = tmp_path / "main.gnucash"
    client, finance = _client(setup, Role.FINANCE)
    client.cookies.set("hub_token", finance["Authorization"].split()[1])
    page = client.post(
        "/dashboard/books/connect",
        data={"system": "gnucash", "name": "main", "book_path": str(book), "currency": "EUR"},
    )
    assert page.status_code == 200 and "main connected: 0 accounts" in page.text
    assert book.exists()


def test_a_gnucash_book_connects_over_the_api_and_a_bad_setting_is_named(
    setup: Setup, tmp_path: Path
) -> None:
    client, finance = _client(setup, Role.FINANCE)
    values = {"book_path": str(tmp_path / "api.gnucash"), "currency": "EUR"}
    made = client.post(
        "/api/v1/books/connections",
        json={"name": "gnc", "system": "gnucash", "values": values},
        headers=finance,
    )
    assert made.status_code == 201, made.text
    assert made.json()["settings"] == {**values, "break_lock": False}
    assert made.json()["check"] == {"accounts": 0, "tax_codes": 0}
    wrong = client.post(
        "/api/v1/books/connections",
        json={"name": "gnc2", "system": "gnucash", "values": {"ledger_path": "x"}},
        headers=finance,
    )
    assert wrong.status_code == 422 and "book_path" in wrong.text
