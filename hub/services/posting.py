"""Posting documents exactly once: the outbox says what to post, the document row says
how far an earlier attempt got.

Per document: (1) commit `posting` before calling the books, (2) if an earlier attempt
was already `posting` its outcome is unknown, so look the natural key up in the books
first, (3) post with an idempotency key, (4) commit `posted` + the external id and mark
the outbox event delivered. A crash between (3) and (4) leaves `posting`, which (2)
resolves on the next run: never a duplicate, never a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from connectors.base import AccountingConnector, OutgoingDocument
from connectors.errors import (
    ConnectorError,
    FatalConfigurationError,
    PeriodClosed,
    RateLimited,
    RetriableError,
)
from hub.db.accounting_store import DocumentStore, PostingPolicy
from hub.db.outbox import Outbox
from hub.db.tables_allocation import outbox_events
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.documents import (
    Document,
    DocumentKind,
    DocumentStatus,
    apply_period_lock,
    idempotency_key,
    short_reference,
)
from hub.domain.order_documents import reversed_key
from hub.services.accounting import POST_TOPIC
from hub.services.accounting_books import connection_id
from hub.services.accounting_errors import open_hold

__all__ = ["PostingReport", "outgoing", "post_pending_documents"]


@dataclass
class PostingReport:
    posted: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # recovered by natural key, not re-posted
    held: dict[str, str] = field(default_factory=dict)
    retry_later: dict[str, str] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)  # another worker holds the lease
    stopped: str | None = None  # why the run stopped early (rate limit, credentials)


def outgoing(doc: Document) -> OutgoingDocument:
    """The connector-facing shape: lines with signed amounts (debit positive)."""
    payload: dict[str, Any] = {
        "lines": doc.line_records(),
        "party": doc.party,
        "reference": short_reference(doc.key),
        "source": doc.source,
        "fx_rate": str(doc.fx_rate) if doc.fx_rate is not None else None,
        "fx_source": doc.fx_source,
        "flags": list(doc.flags),
    }
    if doc.kind is DocumentKind.REVERSAL:
        payload["reverses"] = reversed_key(doc.key)  # the natural key of what it undoes
    return OutgoingDocument(
        kind=doc.kind.value,
        natural_key=doc.key,
        date=datetime.combine(doc.date, time(), UTC),
        currency=doc.currency,
        total=doc.total.amount,
        payload=payload,
    )


_DONE = (DocumentStatus.POSTED, DocumentStatus.HELD, DocumentStatus.VOIDED)
DEFAULT_LEASE = timedelta(minutes=10)  # far above a post's worst case (4 tries x 30 s)


def post_pending_documents(
    uow_factory: Callable[[], UnitOfWork],
    connection: str,
    connector: AccountingConnector,
    *,
    limit: int | None = None,
    lease: timedelta = DEFAULT_LEASE,
    on_progress: Callable[[str], None] | None = None,
) -> PostingReport:
    """Post what the outbox holds for `connection`, oldest first; callable directly or
    from a task. Stops early (reported) on a rate limit or a credentials problem.

    A document another worker is posting (an unexpired lease) is skipped; a lease left
    by a worker that died expires, and the next run resolves it by natural key."""
    report = PostingReport()
    with uow_factory() as uow:
        cid = connection_id(uow, connection)
        policy = DocumentStore(uow.session, _tenant(uow)).policy(cid)
        o = outbox_events.c
        query = (
            select(o.id, o.payload)
            .where(o.tenant_id == uow.tenant_id, o.topic == POST_TOPIC, o.delivered_at.is_(None))
            .where(o.key.like(f"connection:{cid}/%"))
            .order_by(o.id)
        )
        rows = uow.session.execute(query.limit(limit) if limit else query)
        events = [(r.id, int(r.payload["document_id"])) for r in rows]
    run = _Run(uow_factory, connector, policy, lease, report)
    for event_id, document_id in events:
        try:
            run.post(event_id, document_id)
        except (RateLimited, FatalConfigurationError) as exc:
            report.stopped = str(exc)
            break
        if on_progress is not None:
            on_progress(str(document_id))
    return report


@dataclass
class _Run:
    uow_factory: Callable[[], UnitOfWork]
    connector: AccountingConnector
    policy: PostingPolicy
    lease: timedelta
    report: PostingReport

    def post(self, event_id: int, document_id: int) -> None:
        claimed = self._claim(event_id, document_id)
        if claimed is None:
            return
        doc, uncertain = claimed
        try:
            posted = self.connector.find_document(doc.kind.value, doc.key) if uncertain else None
            recovered = posted is not None
            if posted is None:
                posted = self.connector.post_document(outgoing(doc), idempotency_key(doc))
        except PeriodClosed as exc:
            # The books know of a lock the hub did not: the first open date is theirs
            # to tell, so hold (set the lock date on the policy, then retry held).
            self._hold(event_id, document_id, f"period closed in the books: {exc}")
            return
        except RetriableError as exc:
            self._retry_later(event_id, document_id, doc.key, str(exc))
            if isinstance(exc, RateLimited):
                raise
            return
        except FatalConfigurationError:
            self._release(document_id)
            raise
        except ConnectorError as exc:  # DocumentRejected, or a 4xx the connector passed on
            self._hold(event_id, document_id, f"refused by the books: {exc}")
            return
        with self.uow_factory() as uow:
            store, outbox = _stores(uow)
            store.mark_posted(document_id, posted.external_id, utcnow())
            outbox.mark_delivered([event_id])
            uow.commit()
        (self.report.found if recovered else self.report.posted).append(doc.key)

    def _claim(self, event_id: int, document_id: int) -> tuple[Document, bool] | None:
        """Commit `posting` (and the lease) before the call: (document, outcome of an
        earlier attempt unknown), or None when there is nothing to post now."""
        with self.uow_factory() as uow:
            store, outbox = _stores(uow)
            doc = store.get(document_id, lock=True)
            if doc.status in _DONE:
                outbox.mark_delivered([event_id])
                uow.commit()
                return None
            if doc.kind is DocumentKind.REVERSAL and not self._original_posted(uow, doc, event_id):
                return None
            pending = doc.status is DocumentStatus.PENDING
            if pending and apply_period_lock(doc, self.policy.lock_date, self.policy.lock_policy):
                self._finish_held(uow, doc, event_id)
                return None
            uncertain = doc.status is DocumentStatus.POSTING
            doc.status, doc.attempts = DocumentStatus.POSTING, doc.attempts + 1
            now = utcnow()
            if not store.claim(doc, now + self.lease, now):
                self.report.busy.append(doc.key)
                return None
            uow.commit()
        return doc, uncertain

    def _original_posted(self, uow: UnitOfWork, doc: Document, event_id: int) -> bool:
        """A reversal goes to the books only after what it undoes: while the original is
        on its way it waits (counted, still pending); an original that never got there
        (held, voided) leaves nothing to undo, so the reversal is voided in the hub."""
        store, outbox = _stores(uow)
        original_key = reversed_key(doc.key)
        original = store.by_key(doc.connection_id, original_key) if original_key else None
        if original is not None and original.status is DocumentStatus.POSTED:
            return True
        if original is None or original.status in (DocumentStatus.HELD, DocumentStatus.VOIDED):
            doc.status, doc.hold_reason = DocumentStatus.VOIDED, "nothing in the books to undo"
            store.save(doc)
            outbox.mark_delivered([event_id])
        else:
            outbox.record_failure([event_id])
            self.report.retry_later[doc.key] = f"waits for {original.key} to be posted"
        uow.commit()
        return False

    def _hold(self, event_id: int, document_id: int, reason: str) -> None:
        with self.uow_factory() as uow:
            store, _ = _stores(uow)
            doc = store.get(document_id, lock=True)
            doc.hold(reason)
            self._finish_held(uow, doc, event_id)

    def _finish_held(self, uow: UnitOfWork, doc: Document, event_id: int) -> None:
        store, outbox = _stores(uow)
        store.save(doc)
        assert doc.id is not None
        store.release(doc.id)
        open_hold(uow.session, store.tenant_id, doc)
        outbox.mark_delivered([event_id])
        uow.commit()
        self.report.held[doc.key] = doc.hold_reason or ""

    def _retry_later(self, event_id: int, document_id: int, key: str, reason: str) -> None:
        with self.uow_factory() as uow:
            store, outbox = _stores(uow)
            outbox.record_failure([event_id])
            store.release(document_id)
            uow.commit()
        self.report.retry_later[key] = reason

    def _release(self, document_id: int) -> None:
        with self.uow_factory() as uow:
            _stores(uow)[0].release(document_id)
            uow.commit()


def _stores(uow: UnitOfWork) -> tuple[DocumentStore, Outbox]:
    tenant = _tenant(uow)
    return DocumentStore(uow.session, tenant), Outbox(uow.session, tenant)


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None
    return uow.tenant_id
