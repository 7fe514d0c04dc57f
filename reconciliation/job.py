"""The reconciliation job: hub documents of a period against what the books hold (read
back through the connector), per kind and currency, and the orders of the period against
the documents their current state requires; repair posts what is missing and builds or
voids what the orders call for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal

from connectors.base import AccountingConnector, PostedDocument
from hub.db.accounting_store import DocumentStore
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import Document, DocumentKind, DocumentStatus
from hub.domain.mappings import AccountRole
from hub.domain.order_documents import reversal_key
from hub.services.accounting import enqueue
from hub.services.accounting_books import connection_id, load_books
from hub.services.document_gaps import Gap, document_gaps
from hub.services.order_books import refresh_orders
from hub.services.posting import post_pending_documents
from reconciliation.classify import classify, clearing_checks
from reconciliation.model import BookEntry, Finding, HubEntry, Outcome, Period, Report

__all__ = ["book_entry", "hub_entry", "reconcile", "repair"]

# (stage, steps done, steps in all, documents so far): "hub" is one step; "books" is one
# step per document kind read back, the only total known before the reading ends.
Progress = Callable[[str, int, int, int], None]


def hub_entry(doc: Document) -> HubEntry:
    accounts: dict[str, Decimal] = {}
    for line in doc.lines:
        accounts[line.account] = accounts.get(line.account, Decimal(0)) + line.amount.amount
    return HubEntry(
        doc.key,
        doc.kind.value,
        doc.date,
        doc.currency,
        doc.total.amount if doc.lines else Decimal(0),
        accounts,
        doc.status.value,
        doc.payout,
        doc.hold_reason,
    )


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def book_entry(posted: PostedDocument) -> BookEntry:
    """The connectors' normalised read-back payload (see AccountingConnector.iter_documents)."""
    p = posted.payload
    day = p["date"]
    accounts = p.get("accounts")
    return BookEntry(
        posted.natural_key,
        posted.external_id,
        str(p.get("kind", "")),
        day if isinstance(day, date) else date.fromisoformat(str(day)[:10]),
        str(p["currency"]),
        _decimal(p["total"]),
        {a: _decimal(v) for a, v in accounts.items()} if accounts else None,
        str(p.get("status") or "posted"),
        int(p.get("count", 1)),
        None if p.get("clearing") is None else _decimal(p["clearing"]),
    )


def _read_books(
    connector: AccountingConnector, since: date, progress: Progress
) -> Iterator[BookEntry]:
    start = datetime.combine(since, time(), UTC)
    read, kinds = 0, list(DocumentKind)
    progress("books", 0, len(kinds), 0)
    for done, kind in enumerate(kinds, 1):
        for page in connector.iter_documents(kind.value, start):
            for posted in page:
                yield book_entry(posted)
            read += len(page)
            progress("books", done - 1, len(kinds), read)
        progress("books", done, len(kinds), read)


def reconcile(
    uow_factory: Callable[[], UnitOfWork],
    connection: str,
    connector: AccountingConnector,
    period: Period,
    *,
    repair_missing: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Classify every document of `period`; with `repair_missing`, post what the books
    lack (idempotently) and classify again so the report shows the state after repair."""
    tick: Progress = progress or (lambda stage, done, total, documents: None)
    repaired: list[str] = []
    if repair_missing:
        first = reconcile(uow_factory, connection, connector, period, progress=progress)
        missing = [f.key for f in first.findings if f.outcome is Outcome.MISSING_IN_BOOKS]
        built = _build_what_orders_require(uow_factory, connection, period)
        repaired = repair(uow_factory, connection, connector, missing, also=built)
    with uow_factory() as uow:
        assert uow.tenant_id is not None
        cid = connection_id(uow, connection)
        store = DocumentStore(uow.session, uow.tenant_id)
        docs = store.documents(cid, start=period.start, end=period.end)
        books_map = load_books(uow.session, uow.tenant_id, cid, store.policy(cid), ())
        clearing = {e.account_code for e in books_map.chart if e.role is AccountRole.CLEARING}
        gaps = document_gaps(uow, connection, period.start, period.end)
    hub = [hub_entry(d) for d in docs]
    tick("hub", 1, 1, len(hub))
    hub_keys = {h.key for h in hub}
    books = [
        b
        for b in _read_books(connector, period.start, tick)
        if b.date in period or b.key in hub_keys
    ]
    findings = classify(hub, books) + [_gap_finding(g) for g in gaps]
    report = Report(connection, period, findings, clearing_checks(hub, books, clearing))
    report.repaired = repaired
    return report


def _gap_finding(gap: Gap) -> Finding:
    outcome = Outcome.MISSING_DOCUMENT if gap.gap == "missing" else Outcome.SHOULD_BE_VOIDED
    return Finding(gap.key, outcome, gap.kind, gap.currency, gap.total, detail=gap.detail)


def _build_what_orders_require(
    uow_factory: Callable[[], UnitOfWork], connection: str, period: Period
) -> list[str]:
    """Repair of `missing_document` and `should_be_voided`: the orders' documents are
    brought in line with their current state (built, voided in the hub, or reversed:
    nothing in the books is changed or deleted) and queued; the keys it touched."""
    with uow_factory() as uow:
        gaps = document_gaps(uow, connection, period.start, period.end)
        if not gaps:
            return []
        made = refresh_orders(uow, {g.order_id for g in gaps})
        uow.commit()
    wanted = {g.key for g in gaps} | {reversal_key(g.key) for g in gaps}
    return sorted(wanted & set(made.created + made.voided))


def repair(
    uow_factory: Callable[[], UnitOfWork],
    connection: str,
    connector: AccountingConnector,
    keys: list[str],
    *,
    also: list[str] | None = None,
) -> list[str]:
    """Put the missing documents back in the outbox and post them. A document the hub
    thought posted gets a new generation, so its idempotency key cannot replay the lost
    one. Nothing is ever deleted from the books. `also`: documents already queued (or
    voided in the hub) by the caller, reported as repaired once they are done."""
    built = also or []
    if not keys and not built:
        return []
    with uow_factory() as uow:
        assert uow.tenant_id is not None
        cid = connection_id(uow, connection)
        store = DocumentStore(uow.session, uow.tenant_id)
        for doc in store.documents(cid, keys=keys):
            if doc.status is DocumentStatus.POSTED:
                doc.generation += 1
                doc.status, doc.external_id = DocumentStatus.PENDING, None
                doc.flags.append(f"reposted:g{doc.generation}")
                store.save(doc)
                enqueue(uow, doc)
        uow.commit()
    report = post_pending_documents(uow_factory, connection, connector)
    done = set(report.posted + report.found)
    with uow_factory() as uow:  # voided in the hub: done without the books
        assert uow.tenant_id is not None
        store = DocumentStore(uow.session, uow.tenant_id)
        cid = connection_id(uow, connection)
        voided = store.documents(cid, keys=built, statuses=[DocumentStatus.VOIDED])
        done |= {d.key for d in voided}
    return sorted((set(keys) | set(built)) & done)
