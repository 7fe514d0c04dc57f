"""Beancount as the hub's books: a real, local ledger file (the embedded default).

Posting appends one transaction per document under a file lock, after checking that
the hub_id is not already in the ledger (never a duplicate) and that Beancount itself
accepts the transaction (never a ledger `bean-check` would refuse). Reading back uses
beanquery, as an accountant would.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import beanquery
from pydantic import Field

from connectors.accounting.base import BooksConnector
from connectors.accounting.beancount.ledger import (
    check,
    opened_accounts,
    posted_ids,
    render_opens,
    render_transaction,
)
from connectors.base import (
    BooksCheck,
    ConnectorConfig,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
)
from connectors.errors import DocumentRejected, FatalConfigurationError
from connectors.toolkit.context import ConnectorContext

__all__ = ["BeancountConfig", "BeancountConnector"]

_QUERY = (
    "SELECT str(entry_meta('hub_id')) AS hub_id, str(entry_meta('hub_kind')) AS kind, "
    "str(entry_meta('hub_status')) AS status, entry_meta('lineno') AS lineno, "
    "date, account, number, currency "
    "WHERE entry_meta('hub_id') IS NOT NULL AND date >= {since}"
)


class BeancountConfig(ConnectorConfig):
    ledger_path: str = Field(min_length=1, description="the ledger file (created if absent)")
    operating_currency: str = "USD"


class BeancountConnector(BooksConnector[BeancountConfig]):
    name: ClassVar[str] = "beancount"
    config_model: ClassVar[type[ConnectorConfig]] = BeancountConfig
    page_size: ClassVar[int] = 500

    def __init__(self, config: BeancountConfig, context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        self.path = Path(config.ledger_path)
        self._cache: tuple[tuple[int, int, str], list[PostedDocument]] | None = None

    def __repr__(self) -> str:
        return f"BeancountConnector({str(self.path)!r})"

    # ---- the ledger file ---------------------------------------------------------------

    def _header(self) -> str:
        return f'option "operating_currency" "{self.config.operating_currency}"\n\n'

    @contextmanager
    def _locked(self) -> Iterator[str]:
        """The ledger's text under an exclusive lock (other workers append too)."""
        if not self.path.parent.exists():
            raise FatalConfigurationError(f"ledger folder {self.path.parent} does not exist")
        with open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not self.path.exists():
                    self.path.write_text(self._header())
                yield self.path.read_text()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _append(self, text: str) -> None:
        with open(self.path, "a") as ledger:
            ledger.write(text)
            ledger.flush()
            os.fsync(ledger.fileno())

    # ---- AccountingConnector -----------------------------------------------------------
    # A local file: the duplicate check and the append happen under one lock, so posting
    # and reading back are whole methods here rather than the base's hooks.

    def post_document(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        with self._locked() as text:
            if document.natural_key in posted_ids(text):
                return self._posted(document.natural_key)
            transaction = render_transaction(
                document, idempotency_key, self.config.operating_currency
            )
            accounts = {line["account"] for line in document.payload["lines"]}
            missing = accounts - opened_accounts(text)
            problems = check(self._header() + render_opens(accounts) + transaction)
            if problems:
                raise DocumentRejected(f"{document.natural_key}: " + "; ".join(problems))
            self._append(render_opens(missing) + transaction)
        return self._posted(document.natural_key)

    def _posted(self, key: str) -> PostedDocument:
        return PostedDocument(natural_key=key, external_id=f"beancount:{key}")

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        if not self.path.exists():
            return None
        found = natural_key in posted_ids(self.path.read_text())
        return self._posted(natural_key) if found else None

    def iter_documents(self, kind: str, since: datetime) -> Iterator[Sequence[PostedDocument]]:
        """Hub-tagged transactions since `since` (kind "*" for all kinds), each with the
        normalised read-back payload reconciliation compares: kind, date, currency, total,
        status and the signed amount per account."""
        if not self.path.exists():
            return
        page: list[PostedDocument] = []
        for doc in self._read_back(since.date().isoformat()):
            if kind != "*" and doc.payload["kind"] != kind:
                continue
            page.append(doc)
            if len(page) == self.page_size:
                yield page
                page = []
        if page:
            yield page

    def _read_back(self, since: str) -> list[PostedDocument]:
        """One beanquery run per ledger version: reconciliation asks once per kind."""
        stat = self.path.stat()
        version = (stat.st_mtime_ns, stat.st_size, since)
        if self._cache is not None and self._cache[0] == version:
            return self._cache[1]
        docs: dict[str, list[dict[str, Any]]] = {}
        connection = beanquery.connect(f"beancount:{self.path}")
        for hub_id, doc_kind, status, lineno, day, account, number, currency in connection.execute(
            _QUERY.format(since=since)
        ).fetchall():
            docs.setdefault(hub_id, []).append(
                {
                    "kind": doc_kind,
                    "status": status,
                    "date": day,
                    "account": account,
                    "number": number,
                    "currency": currency,
                    "lineno": lineno,
                }
            )
        result = [_read_back(hub_id, legs) for hub_id, legs in docs.items()]
        self._cache = (version, result)
        return result

    def list_accounts(self) -> Sequence[LedgerAccount]:
        text = self.path.read_text() if self.path.exists() else ""
        return [LedgerAccount(a, a, "account") for a in sorted(opened_accounts(text))]

    def check_books(self) -> BooksCheck:
        """The ledger can be written (or created) and Beancount reads it; the counts are
        its open directives and the tax codes the hub wrote."""
        folder = self.path.parent
        if not folder.is_dir():
            raise FatalConfigurationError(f"ledger folder {folder} does not exist")
        target = self.path if self.path.exists() else folder
        if not os.access(target, os.W_OK):
            raise FatalConfigurationError(f"{target} is not writable by the hub")
        if self.path.exists():
            problems = check(self.path.read_text())
            if problems:
                raise FatalConfigurationError(f"{self.path}: " + "; ".join(problems[:3]))
        return super().check_books()

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        """Beancount has no tax codes: the ones the hub wrote as posting metadata."""
        if not self.path.exists():
            return []
        connection = beanquery.connect(f"beancount:{self.path}")
        rows = connection.execute(
            "SELECT DISTINCT str(meta('tax_code')) WHERE meta('tax_code') IS NOT NULL"
        ).fetchall()
        return [LedgerAccount(r[0], r[0], "tax_code") for r in rows]


def _read_back(hub_id: str, legs: list[dict[str, Any]]) -> PostedDocument:
    """Several transactions with one hub_id are returned as one document whose `count`
    says so; reconciliation reports them as duplicates."""
    first = legs[0]
    accounts: dict[str, Decimal] = {}
    for leg in legs:
        accounts[leg["account"]] = accounts.get(leg["account"], Decimal(0)) + leg["number"]
    copies = len({leg["lineno"] for leg in legs})
    debits = sum((leg["number"] for leg in legs if leg["number"] > 0), Decimal(0))
    total = debits / copies
    return PostedDocument(
        natural_key=hub_id,
        external_id=f"beancount:{hub_id}",
        payload={
            "kind": first["kind"],
            "date": first["date"],
            "currency": first["currency"],
            "total": total,
            "status": first["status"] or "posted",
            "accounts": accounts,
            "count": copies,
        },
    )
