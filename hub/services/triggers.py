"""Debounced run triggers: at most one run per (kind, channel) queued or running.

A webhook, a pull page or an allocation does not enqueue a task of its own: it marks the
channel's trigger dirty and enqueues a run only when none is queued or running (and the
one queued is not presumed lost). A run starts by taking a lease and clearing `dirty`;
whatever arrives while it runs sets `dirty` again, and `finish` then enqueues the next
run, so a burst of events costs a handful of runs per channel and nothing that arrived
mid-run is left behind. `finish` is also where a run that ran out of rate tokens, failed
or stopped at its batch bound says when the next run should come (a countdown, not a
worker sleeping).

The check and the change are one row update in the caller's transaction: on PostgreSQL
the trigger row's lock orders a signal against a finishing run (a signal that waited for
the finish sees the run gone and enqueues); SQLite has one writer anyway. The queue
holds no state the row cannot rebuild: a lost message is re-enqueued by the next signal
once `queued_at` is older than `lost_after`, a crashed run's lease expires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_sync import inbox_records, run_triggers
from hub.services.sync_context import SyncContext

__all__ = [
    "INTAKE",
    "RELAY",
    "Enqueue",
    "Finish",
    "finish",
    "mark_intake",
    "signal",
    "signal_inbox",
    "signal_tenant",
    "start",
]

INTAKE, RELAY = "intake", "relay"
MAX_BACKOFF = 600.0

# (kind, tenant id, channel id, countdown seconds): hands a run to the queue.
Enqueue = Callable[[str, int, int, float], None]


@dataclass(frozen=True)
class Finish:
    """How a run ended: `more` work left past its bound, `failed` (the channel or the
    database refused), `retry_after` seconds until its rate budget refills."""

    more: bool = False
    failed: bool = False
    retry_after: float | None = None


def _ensure(session: Session, tenant_id: int, kind: str, channel_ids: Sequence[int]) -> None:
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {"tenant_id": tenant_id, "channel_id": c, "kind": kind, "dirty": False, "failures": 0}
        for c in sorted(set(channel_ids))
    ]
    if rows:
        session.execute(insert_(run_triggers).values(rows).on_conflict_do_nothing())


def _relaxed(session: Session) -> None:
    """The trigger's bookkeeping needs no fsync of its own: a signal lost in a crash is
    found again by the reaper (pending records, undelivered events), so its commit does
    not wait for the disk (PostgreSQL; SQLite keeps its own settings)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


Resolve = Callable[[Session], list[int]]  # the channels a signal is about, read in its tx


def _mark(
    session: Session, tenant_id: int, kind: str, resolve: Resolve, now: datetime,
    lost_after: float, delay: float,
) -> list[int]:  # fmt: skip
    """Mark the channels dirty and take the queued slot of those with none queued or
    running, in one UPDATE; returns the channels whose run the caller enqueues."""
    r = run_triggers.c
    ids = sorted(set(resolve(session)))
    if not ids:
        return []
    due = now + timedelta(seconds=delay)
    free = and_(
        or_(r.queued_at.is_(None), r.queued_at < now - timedelta(seconds=lost_after)),
        or_(r.running_until.is_(None), r.running_until < now),
    )
    statement = (
        update(run_triggers)
        .where(r.kind == kind, r.channel_id.in_(ids))
        .values(dirty=True, queued_at=case((free, due), else_=r.queued_at))
        .returning(r.channel_id, r.queued_at)
    )
    rows = session.execute(statement).all()
    if len(rows) < len(ids):  # a channel's first signal: its row does not exist yet
        _ensure(session, tenant_id, kind, ids)
        rows = session.execute(statement).all()
    return sorted(int(channel) for channel, queued_at in rows if queued_at == due)


def _marked(
    ctx: SyncContext, session: Session, tenant_id: int, kind: str, resolve: Resolve,
    enqueue: Enqueue, delay: float,
) -> Callable[[], list[int]]:  # fmt: skip
    """Mark in the caller's transaction; the callable enqueues (once that committed) the
    runs the mark took the queued slot for, and returns their channels."""
    now, lost_after = ctx.clock(), ctx.settings.run_lost_after
    queued = _mark(session, tenant_id, kind, resolve, now, lost_after, delay)

    def hand_on() -> list[int]:
        for channel_id in queued:
            enqueue(kind, tenant_id, channel_id, delay)
        return queued

    return hand_on


def _signal(
    ctx: SyncContext, tenant_id: int, kind: str, resolve: Resolve, enqueue: Enqueue,
    delay: float,
) -> list[int]:  # fmt: skip
    with ctx.uow(tenant_id) as uow:
        _relaxed(uow.session)
        hand_on = _marked(ctx, uow.session, tenant_id, kind, resolve, enqueue, delay)
        uow.commit()
    return hand_on()


def _intake_delay(ctx: SyncContext) -> float:
    """The batch wait: the first record of a burst waits so the burst shares the run."""
    return ctx.settings.intake_wait_ms / 1000


def signal(
    ctx: SyncContext, tenant_id: int, kind: str, channel_ids: Sequence[int], enqueue: Enqueue,
    *, delay: float = 0.0,
) -> list[int]:  # fmt: skip
    """Mark the channels dirty; enqueue a run (after commit) for each one that has none
    queued or running. Returns the channels a run was enqueued for."""
    return _signal(ctx, tenant_id, kind, lambda _: list(channel_ids), enqueue, delay)


def signal_inbox(
    ctx: SyncContext, tenant_id: int, inbox_ids: Sequence[int], enqueue: Enqueue
) -> list[int]:
    """New inbox records: an intake run for each of their channels, after the batch wait."""
    i = inbox_records.c

    def channels(session: Session) -> list[int]:
        query = select(i.channel_id).where(i.id.in_(list(inbox_ids))).distinct()
        return list(session.execute(query).scalars())

    return _signal(ctx, tenant_id, INTAKE, channels, enqueue, _intake_delay(ctx))


def mark_intake(
    ctx: SyncContext, session: Session, tenant_id: int, channel_id: int, enqueue: Enqueue
) -> Callable[[], list[int]]:
    """:func:`signal_inbox` inside the caller's transaction (the webhook's archive): the
    mark commits with the records, durably; the returned callable enqueues the run, if
    one must be, after that commit."""
    resolve: Resolve = lambda _: [channel_id]  # noqa: E731
    return _marked(ctx, session, tenant_id, INTAKE, resolve, enqueue, _intake_delay(ctx))


def signal_tenant(ctx: SyncContext, tenant_id: int, kind: str, enqueue: Enqueue) -> list[int]:
    """Something changed for the tenant's channels (stock, an order to tell the store)."""
    c = t.channels.c

    def channels(session: Session) -> list[int]:
        return list(session.execute(select(c.id).where(c.tenant_id == tenant_id)).scalars())

    return _signal(ctx, tenant_id, kind, channels, enqueue, 0.0)


def start(ctx: SyncContext, tenant_id: int, kind: str, channel_id: int) -> bool:
    """Take the channel's lease for this run; False when another run holds it (this
    message is a duplicate: the running one, or the one it enqueues, does the work)."""
    now = ctx.clock()
    r = run_triggers.c
    with ctx.uow(tenant_id) as uow:
        _relaxed(uow.session)
        _ensure_one(uow.session, tenant_id, kind, channel_id)
        started = uow.session.execute(
            update(run_triggers)
            .where(
                r.kind == kind,
                r.channel_id == channel_id,
                or_(r.running_until.is_(None), r.running_until < now),
            )
            .values(
                running_until=now + timedelta(seconds=ctx.settings.run_lease_seconds),
                queued_at=None,
                dirty=False,
            )
            .returning(r.id)
        ).first()
        uow.commit()
    return started is not None


def _ensure_one(session: Session, tenant_id: int, kind: str, channel_id: int) -> None:
    r = run_triggers.c
    found = session.execute(select(r.id).where(r.kind == kind, r.channel_id == channel_id)).first()
    if found is None:
        _ensure(session, tenant_id, kind, [channel_id])


def finish(
    ctx: SyncContext,
    tenant_id: int,
    kind: str,
    channel_id: int,
    how: Finish,
    enqueue: Enqueue,
    *,
    delay: float = 0.0,
) -> float | None:
    """Give the lease back; enqueue the next run when work is left, work arrived meanwhile,
    or the run must come back later. Returns the next run's countdown (None: no run)."""
    r = run_triggers.c
    now = ctx.clock()
    with ctx.uow(tenant_id) as uow:
        _relaxed(uow.session)
        row = uow.session.execute(
            select(r.dirty, r.failures)
            .where(r.kind == kind, r.channel_id == channel_id)
            .with_for_update()
        ).one()
        failures = row.failures + 1 if how.failed else 0
        after: float | None = None
        if how.retry_after is not None:
            after = max(how.retry_after, delay)  # out of rate tokens: when they refill
        elif how.failed:
            after = min(MAX_BACKOFF, 2.0**failures)  # the channel or database refused
        elif how.more or row.dirty:
            after = delay
        uow.session.execute(
            update(run_triggers)
            .where(r.kind == kind, r.channel_id == channel_id)
            .values(
                running_until=None,
                # When the queued run is due: a long backoff is not mistaken for a lost run.
                queued_at=now + timedelta(seconds=after) if after is not None else None,
                dirty=False,
                failures=failures,
            )
        )
        uow.commit()
    if after is not None:
        enqueue(kind, tenant_id, channel_id, after)
    return after
