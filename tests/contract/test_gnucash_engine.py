"""The GnuCash connector's edges: an engine that is not installed is a configuration
error naming the packages; a document GnuCash would not take is refused before anything
is written; a foreign-currency document is booked at its rate."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.accounting.gnucash import GnuCashConfig, GnuCashConnector
from connectors.base import OutgoingDocument
from connectors.errors import DocumentRejected, FatalConfigurationError
from tests.contract.gnucash_book import require_gnucash

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def connector(tmp_path: Path) -> Iterator[GnuCashConnector]:
    require_gnucash()
    books = GnuCashConnector(GnuCashConfig(book_path=str(tmp_path / "b.gnucash")))
    yield books
    books.close()


def journal(key: str, lines: list[tuple[str, str]], **payload: object) -> OutgoingDocument:
    return OutgoingDocument(
        kind="payout",
        natural_key=key,
        date=datetime(2026, 11, 4, tzinfo=UTC),
        currency=str(payload.pop("currency", "USD")),
        total=Decimal(lines[0][1]),
        payload={"lines": [{"account": a, "amount": v} for a, v in lines], **payload},
    )


@pytest.mark.parametrize(
    "python", [str(Path(sys.executable)), "/nonexistent/python3"], ids=["no-bindings", "none"]
)
def test_an_interpreter_without_gnucash_is_a_configuration_error_naming_the_packages(
    python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_GNUCASH_PYTHON", python)  # the hub's venv: no gnucash there
    books = GnuCashConnector(GnuCashConfig(book_path=str(tmp_path / "b.gnucash")))
    try:
        with pytest.raises(FatalConfigurationError, match="python3-gnucash"):
            books.check_books()
    finally:
        books.close()


def test_an_account_outside_the_five_roots_is_refused_and_nothing_is_written(
    connector: GnuCashConnector,
) -> None:
    good = journal("k:1", [("Assets:Bank", "5.00"), ("Income:Sales", "-5.00")])
    connector.post_document(good, "r1")
    bad = journal("k:2", [("Assets:Bank", "5.00"), ("Sales", "-5.00")])
    with pytest.raises(DocumentRejected, match="k:2: account 'Sales' must start with"):
        connector.post_document(bad, "r2")
    unbalanced = journal("k:3", [("Assets:Bank", "5.00"), ("Income:Sales", "-4.00")])
    with pytest.raises(DocumentRejected, match="k:3: lines do not sum to zero"):
        connector.post_document(unbalanced, "r3")
    assert [a.code for a in connector.list_accounts()] == ["Assets:Bank", "Income:Sales"]
    assert connector.find_document("payout", "k:2") is None
    assert connector.trial_balance()["Assets:Bank"] == Decimal("5.00")


def test_a_foreign_currency_document_is_booked_at_its_rate_or_refused_without_one(
    connector: GnuCashConnector,
) -> None:
    lines = [("Assets:Clearing:Shop", "100.00"), ("Income:Sales", "-100.00")]
    with pytest.raises(DocumentRejected, match="EUR document has no fx_rate"):
        connector.post_document(journal("k:eur", lines, currency="EUR"), "r1")
    connector.post_document(journal("k:eur", lines, currency="EUR", fx_rate="1.0850"), "r1")
    (page,) = list(connector.iter_documents("payout", SINCE))
    (doc,) = page
    assert doc.payload["currency"] == "EUR" and doc.payload["total"] == Decimal("100.00")
    balances = connector.trial_balance()  # accounts hold the book's currency
    assert balances["Assets:Clearing:Shop"] == Decimal("108.50")
    assert balances["Income:Sales"] == Decimal("-108.50")
