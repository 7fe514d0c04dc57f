"""QuickBooks, Xero, Beancount and GnuCash pass the books contract kit: each is a few lines of
declarations over its fake books (the XSD- and OpenAPI-checked fakes of the connector
tests, a real ledger file, a real GnuCash book)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import responses

from connectors.accounting.beancount import BeancountConnector
from connectors.accounting.beancount.ledger import posted_ids
from connectors.accounting.gnucash import GnuCashConfig, GnuCashConnector
from connectors.accounting.gnucash import connector as gnucash_connector
from connectors.accounting.gnucash.process import EngineProcess
from connectors.accounting.quickbooks import QuickBooksConnector
from connectors.accounting.xero import XeroConnector
from connectors.errors import RetriableError
from connectors.testing import BooksContract
from tests.contract.gnucash_book import opening_balance, require_gnucash
from tests.contract.quickbooks_server import BASE as QBO
from tests.contract.quickbooks_server import FakeQuickBooks
from tests.contract.xero_server import SERVER as XERO
from tests.contract.xero_server import FakeXero


class TestQuickBooksContract(BooksContract):
    connector_class = QuickBooksConnector
    config: ClassVar[dict[str, Any]] = {
        "realm_id": "9130",
        "client_id": "contract-client",
        "client_secret": "qbo-contract-secret",
    }
    accounts = ("35", "36")
    expected_chart = (3, 1)

    @pytest.fixture(autouse=True)
    def fake(self) -> None:
        self.books_fake = FakeQuickBooks()

    def install(self, api: responses.RequestsMock) -> None:
        self.books_fake.install(api)

    def stored_keys(self) -> list[str]:
        return self.books_fake.notes("JournalEntry")

    def lose_next_answer(self, attempts: int) -> bool:
        self.books_fake.lose_answers = attempts
        return True

    def throttle_next(self, api: responses.RequestsMock, seconds: int) -> bool:
        # Intuit: 429 with the 3001 ThrottleExceeded fault (XML even when JSON was asked).
        fault = '<Fault type="ValidationFault"><Error code="3001"><Message>ThrottleExceeded'
        body = fault + "</Message></Error></Fault>"
        api.add("POST", f"{QBO}/journalentry", status=429, body=body,
                headers={"Retry-After": str(seconds)})  # fmt: skip
        return True


class TestXeroContract(BooksContract):
    connector_class = XeroConnector
    config: ClassVar[dict[str, Any]] = {
        "xero_tenant_id": "contract-tenant",
        "client_id": "contract-client",
        "client_secret": "xero-contract-secret",
    }
    accounts = ("090", "1210")
    expected_chart = (4, 1)

    @pytest.fixture(autouse=True)
    def fake(self) -> None:
        self.books_fake = FakeXero()

    def install(self, api: responses.RequestsMock) -> None:
        self.books_fake.install(api)

    def stored_keys(self) -> list[str]:
        return self.books_fake.keys("ManualJournals")

    def lose_next_answer(self, attempts: int) -> bool:
        self.books_fake.lose_answers = attempts
        return True

    def throttle_next(self, api: responses.RequestsMock, seconds: int) -> bool:
        # Xero's minute limit: 429, X-Rate-Limit-Problem: minute, Retry-After in seconds.
        limited = {"Retry-After": str(seconds), "X-Rate-Limit-Problem": "minute"}
        api.add("PUT", f"{XERO}/ManualJournals", status=429, headers=limited)
        return True


class TestBeancountContract(BooksContract):
    connector_class = BeancountConnector
    config: ClassVar[dict[str, Any]] = {}
    accounts = ("Assets:Bank", "Assets:Clearing:Shop")
    expected_chart = (2, 0)

    @pytest.fixture(autouse=True)
    def ledger(self, tmp_path: Path) -> None:
        self.path = tmp_path / "books.beancount"
        type(self).config = {"ledger_path": str(self.path)}

    def install(self, api: responses.RequestsMock) -> None:
        self.path.write_text(
            'option "operating_currency" "USD"\n\n'
            "2026-01-01 open Assets:Bank\n2026-01-01 open Assets:Clearing:Shop\n\n"
        )

    def stored_keys(self) -> list[str]:
        counts = posted_ids(self.path.read_text()) if self.path.exists() else {}
        return [key for key, n in counts.items() for _ in range(n)]


class TestGnuCashContract(BooksContract):
    """A real GnuCash book, written and read only through GnuCash's engine."""

    connector_class = GnuCashConnector
    config: ClassVar[dict[str, Any]] = {}
    accounts = ("Assets:Bank", "Assets:Clearing:Shop")
    expected_chart = (2, 0)

    @pytest.fixture(autouse=True)
    def book(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        require_gnucash()
        self.lost: list[int] = [0]
        lost = self.lost

        class EngineThatDies(EngineProcess):
            """The engine commits the post, then its process dies before answering."""

            def request(self, op: str, **fields: Any) -> Any:
                answer = super().request(op, **fields)
                if op == "post" and lost[0] > 0:
                    lost[0] -= 1
                    self.close()
                    raise RetriableError("gnucash: the engine exited during post")
                return answer

        monkeypatch.setattr(gnucash_connector, "EngineProcess", EngineThatDies)
        self.path = tmp_path / "books.gnucash"
        type(self).config = {"book_path": str(self.path)}
        self.engine = GnuCashConnector(GnuCashConfig(book_path=str(self.path)))
        yield
        self.engine.close()

    def install(self, api: responses.RequestsMock) -> None:
        self.engine.post_document(opening_balance(self.accounts), "contract-opening")

    def lose_next_answer(self, attempts: int) -> bool:
        self.lost[0] = 1  # a local process: no in-request retry, the job retries
        return True

    def stored_keys(self) -> list[str]:
        keys = []
        for page in self.engine.iter_documents(self.kind, datetime(1970, 1, 1, tzinfo=UTC)):
            keys += [doc.natural_key for doc in page for _ in range(doc.payload["count"])]
        return keys
