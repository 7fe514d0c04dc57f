"""In-memory books behind the AccountingConnector port, with the failures that make
exactly-once hard: the remote accepts a post and then the answer (or the worker) is
lost. Idempotency keys behave like QuickBooks' requestid: a repeat returns the original.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from connectors.base import (
    Capability,
    ConnectorConfig,
    ConnectorKind,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
)
from connectors.errors import RetriableError

__all__ = ["InMemoryBooks", "WorkerKilled"]


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

    def keys(self) -> list[str]:
        return [d.natural_key for d in self.documents]

    def delete(self, natural_key: str) -> None:
        """What a person does in the books UI."""
        self.documents = [d for d in self.documents if d.natural_key != natural_key]

    def payload(self, natural_key: str) -> dict[str, Any]:
        return dict(next(d for d in self.documents if d.natural_key == natural_key).payload)
