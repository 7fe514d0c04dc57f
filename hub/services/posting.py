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
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select

from connectors.base import AccountingConnector, OutgoingDocument, PostedDocument
from connectors.errors import (
    ConnectorError,
    DocumentRejected,
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
    DocumentStatus,
    apply_period_lock,
    idempotency_key,
    short_reference,
)
from hub.services.accounting import POST_TOPIC
from hub.services.accounting_books import connection_id

__all__ = ["PostingReport", "outgoing", "post_pending_documents"]


@dataclass
class PostingReport:
    posted: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # recovered by natural key, not re-posted
    held: dict[str, str] = field(default_factory=dict)
    retry_later: dict[str, str] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (rate limit, credentials)


def outgoing(doc: Document) -> OutgoingDocument:
    """The connector-facing shape: lines with signed amounts (debit positive)."""
    payload: dict[str, Any] = {
        "lines": [
            {
                "account": ln.account,
                "amount": str(ln.amount.amount),
                "tax_code": ln.tax_code,
                "memo": ln.memo,
            }
            for ln in doc.lines
        ],
        "party": doc.party,
        "reference": short_reference(doc.key),
        "source": doc.source,
        "fx_rate": str(doc.fx_rate) if doc.fx_rate is not None else None,
        "fx_source": doc.fx_source,
        "flags": list(doc.flags),
    }
    return OutgoingDocument(
        kind=doc.kind.value,
        natural_key=doc.key,
        date=datetime.combine(doc.date, time(), UTC),
        currency=doc.currency,
        total=doc.total.amount,
        payload=payload,
    )


def post_pending_documents(
    uow_factory: Callable[[], UnitOfWork],
    connection: str,
    connector: AccountingConnector,
    *,
    limit: int | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> PostingReport:
    """Post what the outbox holds for `connection`, oldest first; callable directly or
    from a task. Stops early (reported) on a rate limit or a credentials problem."""
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
        events = [
            (r.id, int(r.payload["document_id"]))
            for r in uow.session.execute(query.limit(limit) if limit else query)
        ]
    for event_id, document_id in events:
        try:
            _post_one(uow_factory, connector, policy, event_id, document_id, report)
        except (RateLimited, FatalConfigurationError) as exc:
            report.stopped = str(exc)
            break
        if on_progress is not None:
            on_progress(str(document_id))
    return report


def _post_one(
    uow_factory: Callable[[], UnitOfWork],
    connector: AccountingConnector,
    policy: PostingPolicy,
    event_id: int,
    document_id: int,
    report: PostingReport,
) -> None:
    with uow_factory() as uow:
        store, outbox = DocumentStore(uow.session, _tenant(uow)), Outbox(uow.session, _tenant(uow))
        doc = store.get(document_id, lock=True)
        if doc.status in (DocumentStatus.POSTED, DocumentStatus.HELD):
            outbox.mark_delivered([event_id])
            uow.commit()
            return
        pending = doc.status is DocumentStatus.PENDING
        if pending and apply_period_lock(doc, policy.lock_date, policy.lock_policy):
            _finish_held(uow, store, outbox, doc, event_id, report)
            return
        uncertain = doc.status is DocumentStatus.POSTING
        doc.status, doc.attempts = DocumentStatus.POSTING, doc.attempts + 1
        store.save(doc)
        uow.commit()
    try:
        posted: PostedDocument | None = None
        if uncertain:
            posted = connector.find_document(doc.kind.value, doc.key)
        recovered = posted is not None
        if posted is None:
            posted = connector.post_document(outgoing(doc), idempotency_key(doc))
    except PeriodClosed as exc:
        # The books know of a lock the hub did not: the first open date is theirs to
        # tell, so hold (set the lock date on the policy, then retry held documents).
        _hold(uow_factory, document_id, event_id, f"period closed in the books: {exc}", report)
        return
    except DocumentRejected as exc:
        _hold(uow_factory, document_id, event_id, f"refused by the books: {exc}", report)
        return
    except RetriableError as exc:
        _retry_later(uow_factory, event_id, doc.key, str(exc), report)
        if isinstance(exc, RateLimited):
            raise
        return
    except FatalConfigurationError:
        raise
    except ConnectorError as exc:
        _hold(uow_factory, document_id, event_id, f"refused by the books: {exc}", report)
        return
    with uow_factory() as uow:
        store, outbox = DocumentStore(uow.session, _tenant(uow)), Outbox(uow.session, _tenant(uow))
        doc = store.get(document_id, lock=True)
        doc.status, doc.external_id, doc.posted_at = (
            DocumentStatus.POSTED,
            posted.external_id,
            utcnow(),
        )
        doc.hold_reason = None
        store.save(doc)
        outbox.mark_delivered([event_id])
        uow.commit()
    (report.found if recovered else report.posted).append(doc.key)


def _hold(
    uow_factory: Callable[[], UnitOfWork],
    document_id: int,
    event_id: int,
    reason: str,
    report: PostingReport,
) -> None:
    with uow_factory() as uow:
        store, outbox = DocumentStore(uow.session, _tenant(uow)), Outbox(uow.session, _tenant(uow))
        doc = store.get(document_id, lock=True)
        doc.hold(reason)
        _finish_held(uow, store, outbox, doc, event_id, report)


def _finish_held(
    uow: UnitOfWork,
    store: DocumentStore,
    outbox: Outbox,
    doc: Document,
    event_id: int,
    report: PostingReport,
) -> None:
    store.save(doc)
    outbox.mark_delivered([event_id])
    uow.commit()
    report.held[doc.key] = doc.hold_reason or ""


def _retry_later(
    uow_factory: Callable[[], UnitOfWork],
    event_id: int,
    key: str,
    reason: str,
    report: PostingReport,
) -> None:
    with uow_factory() as uow:
        Outbox(uow.session, _tenant(uow)).record_failure([event_id])
        uow.commit()
    report.retry_later[key] = reason


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None
    return uow.tenant_id
