"""The books contract kit, and in-memory books with the failures that make exactly-once
hard.

:class:`BooksContract` is the behaviour every books connector must show; a connector's
test is a subclass of a dozen lines::

    class TestAcmeBooksContract(BooksContract):
        connector_class = AcmeBooksConnector
        config = {"api_url": "https://books.acme.example", "client_id": "c", ...}
        accounts = ("1200", "4000")               # two accounts the fake books know
        expected_chart = (3, 1)                    # accounts and tax codes they hold

        def install(self, api): ...                # the books behind `responses` (or None)
        def stored_keys(self): ...                 # natural keys the books hold, repeats kept
        def lose_next_answer(self, attempts): ...  # store the next post, drop its answers

:class:`InMemoryBooks` sits behind the AccountingConnector port for the hub's own tests:
the remote accepts a post and then the answer (or the worker) is lost. Idempotency keys
behave like QuickBooks' requestid: a repeat returns the original.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
import responses
from pydantic import SecretStr

from connectors.accounting.base import BooksConnector
from connectors.base import (
    BooksCheck,
    Capability,
    ConnectorConfig,
    ConnectorKind,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
)
from connectors.errors import RateLimited, RetriableError
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet, TokenStore
from connectors.toolkit.ratelimit import LocalRateBudgets, RateBudget, RateLimit
from hub.domain.documents import short_reference

__all__ = ["BooksContract", "InMemoryBooks", "WorkerKilled"]


class WorkerKilled(BaseException):
    """The process died: nothing in the hub catches it (like SIGKILL mid-call)."""


@dataclass
class InMemoryBooks:
    name: ClassVar[str] = "memory"
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.POST_DOCUMENTS, Capability.READ_DOCUMENTS}
    )
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig

    # After the books accepted a post: chance of losing the answer / killing the worker.
    lose_answer: float = 0.0
    kill_worker: float = 0.0
    # Before the request reached the books: chance of killing the worker.
    kill_before: float = 0.0
    seed: int = 0
    # False: requestid is not honoured (users saw duplicates despite it); only the
    # hub's natural-key lookup then stands between a retry and a duplicate.
    idempotent: bool = True
    documents: list[PostedDocument] = field(default_factory=list)
    by_request: dict[str, PostedDocument] = field(default_factory=dict)
    calls: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def post_document(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        self.calls += 1
        if self._random.random() < self.kill_before:
            raise WorkerKilled(f"before posting {document.natural_key}")
        if self.idempotent and idempotency_key in self.by_request:
            return self.by_request[idempotency_key]
        lines = document.payload.get("lines", [])
        accounts: dict[str, Decimal] = {}
        for line in lines:
            accounts[line["account"]] = accounts.get(line["account"], Decimal(0)) + Decimal(
                line["amount"]
            )
        posted = PostedDocument(
            natural_key=document.natural_key,
            external_id=f"mem-{len(self.documents) + 1}",
            payload={
                "kind": document.kind,
                "date": document.date.date(),
                "currency": document.currency,
                "total": document.total,
                "status": "posted",
                "accounts": accounts,
            },
        )
        self.documents.append(posted)
        self.by_request[idempotency_key] = posted
        roll = self._random.random()
        if roll < self.kill_worker:
            raise WorkerKilled(document.natural_key)
        if roll < self.kill_worker + self.lose_answer:
            raise RetriableError(f"connection reset after posting {document.natural_key}")
        return posted

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        for posted in self.documents:
            if posted.natural_key == natural_key and posted.payload["status"] == "posted":
                return posted
        return None

    def iter_documents(self, kind: str, since: datetime) -> Iterator[Sequence[PostedDocument]]:
        wanted = [
            d
            for d in self.documents
            if d.payload["kind"] == kind and d.payload["date"] >= since.date()
        ]
        for start in range(0, len(wanted), 500):
            yield wanted[start : start + 500]

    def list_accounts(self) -> Sequence[LedgerAccount]:
        names = {a for d in self.documents for a in d.payload["accounts"]}
        return [LedgerAccount(a, a, "account") for a in sorted(names)]

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        return []

    def check_books(self) -> BooksCheck:
        return BooksCheck(len(self.list_accounts()), 0)

    def keys(self) -> list[str]:
        return [d.natural_key for d in self.documents]

    def delete(self, natural_key: str) -> None:
        """What a person does in the books UI."""
        self.documents = [d for d in self.documents if d.natural_key != natural_key]

    def payload(self, natural_key: str) -> dict[str, Any]:
        return dict(next(d for d in self.documents if d.natural_key == natural_key).payload)


SINCE = datetime(2026, 11, 1, tzinfo=UTC)


class _Unmetered(LocalRateBudgets):
    """The contract is about behaviour, not pacing: a bucket that never runs dry."""

    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget:
        return super().budget(connection_key, family, RateLimit(capacity=10**9, rate=10**9))


class BooksContract:
    connector_class: ClassVar[type[BooksConnector[Any]]]
    config: ClassVar[dict[str, Any]]
    accounts: ClassVar[tuple[str, str]]  # a debit and a credit account the books know
    expected_chart: ClassVar[tuple[int, int]]  # (accounts, tax codes) the fake books hold
    kind: ClassVar[str] = "payout"  # a document kind the connector posts as a journal
    currency: ClassVar[str] = "USD"

    # ---- what the integrator provides -----------------------------------------------

    def install(self, api: responses.RequestsMock) -> None:
        """Put the fake books behind ``api`` (HTTP books); local books need nothing."""

    def stored_keys(self) -> list[str]:
        """The natural keys the books hold, one entry per stored document."""
        raise NotImplementedError

    def lose_next_answer(self, attempts: int) -> bool:
        """Make the books store the next post and then drop the connection, for that
        call and its ``attempts`` in-request retries; False when the books cannot lose
        an answer (a local file)."""
        return False

    def throttle_next(self, api: responses.RequestsMock, seconds: int) -> bool:
        """Register, ahead of the fake books, one throttled answer to the next post that
        says to wait ``seconds``; False when the books never throttle."""
        return False

    def document(self, n: int) -> OutgoingDocument:
        key = f"contract:{self.kind}:{n}"
        amount = Decimal(10 + n).quantize(Decimal("0.01"))
        debit, credit = self.accounts
        return OutgoingDocument(
            kind=self.kind,
            natural_key=key,
            date=datetime(2026, 11, 3 + n % 20, tzinfo=UTC),
            currency=self.currency,
            total=amount,
            payload={
                "reference": short_reference(key),
                "party": "Contract",
                "lines": [
                    {"account": debit, "amount": str(amount), "memo": "contract"},
                    {"account": credit, "amount": str(-amount), "memo": "contract"},
                ],
            },
        )

    def token_store(self) -> TokenStore:
        far = datetime.now(UTC) + timedelta(days=1)
        return InMemoryTokenStore(
            TokenSet(SecretStr("test-access"), SecretStr("test-refresh"), far)
        )

    # ---- fixtures ---------------------------------------------------------------------

    @pytest.fixture
    def sleeps(self) -> list[float]:
        return []

    @pytest.fixture
    def api(self) -> Iterator[responses.RequestsMock]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield mock

    @pytest.fixture
    def connector(self, api: responses.RequestsMock, sleeps: list[float]) -> BooksConnector[Any]:
        config = self.connector_class.config_model.model_validate(self.config)
        context = ConnectorContext(
            connection_key=f"contract-{uuid.uuid4().hex[:8]}",
            budgets=_Unmetered(),
            token_store=self.token_store(),
            sleep=sleeps.append,
        )
        return self.connector_class(config, context)

    @pytest.fixture
    def books(self, api: responses.RequestsMock, connector: BooksConnector[Any]) -> None:
        self.install(api)

    # ---- the contract -----------------------------------------------------------------

    def test_it_declares_what_the_hub_needs(self) -> None:
        cls = self.connector_class
        assert cls.kind is ConnectorKind.ACCOUNTING
        assert {Capability.POST_DOCUMENTS, Capability.READ_DOCUMENTS} <= cls.capabilities
        secrets = cls.config_model.secret_fields()
        if cls.oauth is not None:  # a hosted login: its client secret is sealed
            assert "client_secret" in secrets

    def test_a_post_answers_with_the_natural_key_and_the_books_id(
        self, books: None, connector: BooksConnector[Any]
    ) -> None:
        doc = self.document(1)
        posted = connector.post_document(doc, "contract-key-1")
        assert posted.natural_key == doc.natural_key and posted.external_id
        assert self.stored_keys() == [doc.natural_key]
        found = connector.find_document(doc.kind, doc.natural_key)
        assert found is not None and found.external_id == posted.external_id
        assert connector.find_document(doc.kind, "contract:never:posted") is None

    def test_the_same_idempotency_key_twice_is_one_document(
        self, books: None, connector: BooksConnector[Any]
    ) -> None:
        doc = self.document(2)
        first = connector.post_document(doc, "contract-key-2")
        again = connector.post_document(doc, "contract-key-2")
        assert again.external_id == first.external_id
        assert self.stored_keys() == [doc.natural_key]

    def test_a_lost_answer_is_found_by_its_natural_key_and_never_posted_twice(
        self, books: None, connector: BooksConnector[Any]
    ) -> None:
        client = getattr(connector, "http", None)
        if not self.lose_next_answer(getattr(client, "max_attempts", 1)):
            pytest.skip(f"{self.connector_class.name} cannot lose an answer")
        doc = self.document(3)
        with pytest.raises(RetriableError):
            connector.post_document(doc, "contract-key-3")
        found = connector.find_document(doc.kind, doc.natural_key)
        assert found is not None  # what the hub's posting looks up before a retry
        connector.post_document(doc, "contract-key-3")
        assert self.stored_keys() == [doc.natural_key]

    def test_a_throttled_post_waits_as_told_through_the_toolkit(
        self,
        api: responses.RequestsMock,
        books: None,
        connector: BooksConnector[Any],
        sleeps: list[float],
    ) -> None:
        api.reset()  # the throttled answer must come before the books' own
        throttles = self.throttle_next(api, 7)
        self.install(api)
        if not throttles:
            pytest.skip(f"{self.connector_class.name} does not throttle")
        doc = self.document(4)
        try:
            connector.post_document(doc, "contract-key-4")
        except RateLimited as exc:  # a limit that will not lift in-request: the job waits
            assert exc.retry_after == 7
            connector.post_document(doc, "contract-key-4")
        else:
            assert 7 in sleeps
        assert self.stored_keys() == [doc.natural_key]

    def test_reading_back_pages_through_every_document_the_hub_wrote(
        self, books: None, connector: BooksConnector[Any]
    ) -> None:
        count = connector.page_size + 1
        for n in range(count):
            connector.post_document(self.document(n), f"contract-page-{n}")
        pages = list(connector.iter_documents(self.kind, SINCE))
        keys = [d.natural_key for page in pages for d in page]
        assert sorted(keys) == sorted(self.document(n).natural_key for n in range(count))
        assert len(pages) >= 2 and all(len(page) <= connector.page_size for page in pages)

    def test_the_chart_and_the_tax_codes_are_read(
        self, books: None, connector: BooksConnector[Any]
    ) -> None:
        check = connector.check_books()
        assert (check.accounts, check.tax_codes) == self.expected_chart
        assert all(a.kind == "account" and a.code for a in connector.list_accounts())
        assert all(t.kind == "tax_code" and t.code for t in connector.list_tax_codes())

    def test_no_secret_shows_in_its_repr(self, connector: BooksConnector[Any]) -> None:
        config = self.connector_class.config_model.model_validate(self.config)
        _, secrets = config.split()
        shown = repr(connector) + repr(config)
        assert all(str(value) not in shown for value in secrets.values())
