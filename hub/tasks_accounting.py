"""Celery tasks for the books: thin, ids and names in, the services do the work.

Beat drives two entries: `accounting_tick` (every few minutes: follow the orders that
changed, then generate and post for every connection with a posting policy) and
`reconcile_tick` (daily: reconcile this month and last month, posting what is missing;
never deleting).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from connectors.base import RetriableError
from hub.bootstrap import the_hub
from hub.celery_app import app
from hub.db.tables_accounting import accounting_policies
from hub.db.tables_allocation import outbox_events
from hub.db.tables_mapping import accounting_connections
from hub.domain.clock import utcnow
from hub.services import accounting, order_books, posting
from hub.services.accounting_books import open_books
from hub.services.order_events import ORDER_CHANGED
from hub.services.reconciliation_runs import record_books
from hub.tasks import _task  # the same retry policy as every hub task
from reconciliation import Period, reconcile

__all__ = [
    "accounting_tick",
    "follow_orders",
    "post_documents",
    "reconcile_books",
    "reconcile_tick",
]


def _connections() -> list[tuple[int, str]]:
    c, p = accounting_connections.c, accounting_policies.c
    with the_hub().uow() as uow:
        rows = uow.session.execute(
            select(c.tenant_id, c.name).join(accounting_policies, p.connection_id == c.id)
        ).all()
    return [(int(r.tenant_id), str(r.name)) for r in rows]


@_task("hub.tasks.post_documents")
def post_documents(tenant_id: int, connection: str) -> dict[str, Any]:
    h = the_hub()
    order_books.follow_order_changes(lambda: h.uow(tenant_id))  # later changes first
    accounting.generate_documents(h.uow(tenant_id), connection)
    books = open_books(
        lambda: h.uow(tenant_id),
        connection,
        h.connectors,
        lambda cid: h.open_connector(tenant_id, cid),
    )
    report = posting.post_pending_documents(lambda: h.uow(tenant_id), connection, books)
    if report.stopped or report.retry_later:
        # What is left stays in the outbox; raising makes Celery come back with backoff.
        raise RetriableError(report.stopped or "; ".join(report.retry_later.values()))
    return {"posted": len(report.posted), "found": len(report.found), "held": len(report.held)}


@_task("hub.tasks.reconcile_books")
def reconcile_books(tenant_id: int, connection: str, period: str) -> dict[str, Any]:
    h = the_hub()
    books = open_books(
        lambda: h.uow(tenant_id),
        connection,
        h.connectors,
        lambda cid: h.open_connector(tenant_id, cid),
    )
    report = reconcile(
        lambda: h.uow(tenant_id), connection, books, Period.parse(period), repair_missing=True
    )
    with h.uow(tenant_id) as uow:  # kept for the operator's API and dashboard
        record_books(uow.session, tenant_id, report)
        uow.commit()
    return {"reconciled": report.reconciled, **report.counts()}


@_task("hub.tasks.follow_orders")
def follow_orders(tenant_id: int) -> dict[str, Any]:
    """The books follow the orders that changed (hub.services.order_books)."""
    h = the_hub()
    report = order_books.follow_order_changes(lambda: h.uow(tenant_id))
    return {"events": report.events, "built": len(report.documents.created)}


def _tenants_with_changes() -> list[int]:
    o = outbox_events.c
    with the_hub().uow() as uow:
        rows = uow.session.execute(
            select(o.tenant_id).where(o.topic == ORDER_CHANGED, o.delivered_at.is_(None)).distinct()
        ).scalars()
        return sorted(int(t) for t in rows)


@app.task(name="hub.tasks.accounting_tick", acks_late=True, ignore_result=True)
def accounting_tick() -> int:
    pairs = _connections()
    for tenant_id, connection in pairs:
        post_documents.delay(tenant_id, connection)
    # Tenants without books still see their order changes delivered (nothing to build);
    # the tick's period is the debounce: many changes of one order, one refresh.
    booked = {t for t, _ in pairs}
    for tenant_id in _tenants_with_changes():
        if tenant_id not in booked:
            follow_orders.delay(tenant_id)
    return len(pairs)


@app.task(name="hub.tasks.reconcile_tick", acks_late=True, ignore_result=True)
def reconcile_tick() -> int:
    today = utcnow().date()
    last_month = date.fromordinal(today.replace(day=1).toordinal() - 1)
    periods = {f"{d.year}-{d.month:02d}" for d in (today, last_month)}
    pairs = _connections()
    for tenant_id, connection in pairs:
        for period in sorted(periods):
            reconcile_books.delay(tenant_id, connection, period)
    return len(pairs)
