"""The books follow the order's life: `order.changed` events in, documents out.

The order-change path writes an `order.changed` event (hub.services.order_events) in the
transaction of every fact it applies. This follower takes pending ones in batches,
decides from each changed order's *current* stored state what its documents must be
(hub.domain.order_documents), and, per accounting connection with a posting policy,
builds what is missing (invoice, credit notes) or voids what is no longer owed, in the
same transaction that marks the events delivered. Documents are keyed per order and
refund, so the same events twice, or out of order, build nothing more. Posting is the
existing way: the outbox `accounting.post` events that `post_pending_documents` reads.

A batch that fails (a bug, not a missing mapping: those hold the document) is retried
one order at a time; an order that keeps failing ends in the error queue after
MAX_ATTEMPTS, its events delivered, so nothing stays pending forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from hub.db.outbox import Outbox
from hub.db.tables_accounting import accounting_policies
from hub.db.tables_allocation import outbox_events
from hub.db.unit_of_work import UnitOfWork
from hub.domain.document_builders import order_key
from hub.domain.documents import PostingPoint
from hub.domain.order_documents import (
    POSTING_POINT_SETTING,
    credit_note_key,
    reversal_key,
)
from hub.domain.orders import Order
from hub.services.accounting import Generation, GenerationReport
from hub.services.accounting_errors import STAGE
from hub.services.inbox import record_error
from hub.services.order_events import ORDER_CHANGED

__all__ = [
    "MAX_ATTEMPTS",
    "FollowReport",
    "follow_order_changes",
    "refresh_orders",
    "set_posting_point",
]

MAX_ATTEMPTS = 5
UowFactory = Callable[[], UnitOfWork]


@dataclass
class FollowReport:
    events: int = 0
    orders: int = 0
    documents: GenerationReport = field(default_factory=GenerationReport)
    failed: dict[int, str] = field(default_factory=dict)  # order id -> error, retried later
    given_up: list[int] = field(default_factory=list)  # orders sent to the error queue
    refused: list[int] = field(default_factory=list)  # events naming no order


def follow_order_changes(
    uow_factory: UowFactory, *, batch_size: int = 200, max_batches: int = 50
) -> FollowReport:
    """Follow pending `order.changed` events, batch by batch, until none is left."""
    report = FollowReport()
    for _ in range(max_batches):
        taken = _follow_batch(uow_factory, batch_size, report)
        if taken < batch_size:
            break
    return report


def refresh_orders(uow: UnitOfWork, order_ids: Iterable[int]) -> GenerationReport:
    """Bring these orders' documents in line with their current state on every
    connection with a posting policy, inside the caller's unit of work (not committed)."""
    report = GenerationReport()
    orders = _orders(uow, order_ids)
    if not orders:
        return report
    keys = _candidate_keys(uow, orders)
    for cid in _policy_connections(uow):
        # The order changed, so what held its documents may be gone (an amount now
        # stated, a payment now covering the total): their held documents are rebuilt.
        Generation(uow, cid, report, retry_held=True, keys=keys).orders(orders)
    return report


def set_posting_point(uow: UnitOfWork, channel: str, point: PostingPoint | None) -> None:
    """Invoice this channel's orders on payment or on dispatch; None: as the connection's
    posting policy says."""
    with uow:
        ch = uow.channels.by_key(channel)
        settings = {k: v for k, v in ch.settings.items() if k != POSTING_POINT_SETTING}
        if point is not None:
            settings[POSTING_POINT_SETTING] = point.value
        ch.settings = settings  # a new dict: the JSON column sees the change
        uow.commit()


def _follow_batch(uow_factory: UowFactory, batch_size: int, report: FollowReport) -> int:
    o = outbox_events.c
    with uow_factory() as uow:
        tenant_id = _tenant(uow)
        rows = uow.session.execute(
            select(o.id, o.payload, o.attempts)
            .where(o.tenant_id == tenant_id, o.topic == ORDER_CHANGED, o.delivered_at.is_(None))
            .order_by(o.attempts, o.id)
            .limit(batch_size)
            # Two followers never take the same events (PostgreSQL; SQLite has one writer).
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return 0
        by_order: dict[int, list[int]] = {}
        unnamed = []  # events naming no order: not ours to guess, recorded, never retried
        for row in rows:
            order_id = _order_id(row.payload)
            if order_id is None:
                unnamed.append((int(row.id), row.payload))
            else:
                by_order.setdefault(order_id, []).append(int(row.id))
        try:
            docs = refresh_orders(uow, by_order)
        except Exception:  # one bad order must not block the rest
            uow.rollback()
        else:
            _refuse(uow, tenant_id, unnamed, report)
            followed = [i for ids in by_order.values() for i in ids]
            Outbox(uow.session, tenant_id).mark_delivered(followed)
            uow.commit()
            _add(report, docs, len(followed), len(by_order))
            return len(rows)
    with uow_factory() as uow:
        _refuse(uow, tenant_id, unnamed, report)
        uow.commit()
    attempts = {int(r.id): int(r.attempts) for r in rows}
    for order_id, event_ids in by_order.items():
        _follow_one(uow_factory, order_id, event_ids, max(attempts[i] for i in event_ids), report)
    return len(rows)


def _follow_one(
    uow_factory: UowFactory,
    order_id: int,
    event_ids: Sequence[int],
    attempts: int,
    report: FollowReport,
) -> None:
    with uow_factory() as uow:
        try:
            docs = refresh_orders(uow, [order_id])
        except Exception as exc:  # recorded, retried with a bound
            uow.rollback()
            error = f"{type(exc).__name__}: {exc}"
        else:
            Outbox(uow.session, _tenant(uow)).mark_delivered(event_ids)
            uow.commit()
            _add(report, docs, len(event_ids), 1)
            return
    with uow_factory() as uow:
        tenant_id = _tenant(uow)
        outbox = Outbox(uow.session, tenant_id)
        if attempts + 1 >= MAX_ATTEMPTS:
            reason = f"the books could not follow its change: {error}"
            record_error(uow.session, tenant_id, None, None, STAGE, f"order #{order_id}", "order",
                         reason)  # fmt: skip
            outbox.mark_delivered(event_ids)
            report.given_up.append(order_id)
        else:
            outbox.record_failure(event_ids)
        report.failed[order_id] = error
        uow.commit()


def _order_id(payload: object) -> int | None:
    value = payload.get("order_id") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _refuse(
    uow: UnitOfWork, tenant_id: int, events: list[tuple[int, object]], report: FollowReport
) -> None:
    for event_id, payload in events:
        reason = f"order.changed event #{event_id} names no order (order_id): {payload!r}"
        record_error(uow.session, tenant_id, None, None, STAGE, f"event #{event_id}",
                     "order_id", reason)  # fmt: skip
        report.refused.append(event_id)
    Outbox(uow.session, tenant_id).mark_delivered([event_id for event_id, _ in events])


def _orders(uow: UnitOfWork, order_ids: Iterable[int]) -> list[Order]:
    """Orders gone since (retention) have nothing left to book."""
    return list(uow.orders.many(sorted(set(order_ids))))


def _candidate_keys(uow: UnitOfWork, orders: Sequence[Order]) -> list[str]:
    names = {c.id: c.name for c in uow.channels.list()}
    keys = []
    for order in orders:
        channel = names[order.channel_id]
        invoice = order_key(channel, order.external_id)
        keys += [invoice, reversal_key(invoice)]
        keys += [credit_note_key(channel, order, r) for r in order.refunds]
    return keys


def _policy_connections(uow: UnitOfWork) -> list[int]:
    p = accounting_policies.c
    rows = uow.session.execute(
        select(p.connection_id).where(p.tenant_id == _tenant(uow)).order_by(p.connection_id)
    )
    return [int(r[0]) for r in rows]


def _add(report: FollowReport, docs: GenerationReport, events: int, orders: int) -> None:
    report.events += events
    report.orders += orders
    report.documents.created += docs.created
    report.documents.voided += docs.voided
    report.documents.held.update(docs.held)
    report.documents.unchanged += docs.unchanged


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None, "the books are always tenant-scoped"
    return uow.tenant_id
