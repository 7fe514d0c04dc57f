"""Celery tasks: thin, ids in, the services do the work.

Every task is idempotent (the services are), acknowledged late, and retried with
exponential backoff on errors that time can fix (network, 5xx/429 from a platform, a
database that went away). Work is enqueued only after the transaction that created it
committed; the reaper re-enqueues whatever a lost message left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from connectors.base import RateLimited, RetriableError
from connectors.toolkit import in_process_wait
from hub.bootstrap import the_hub
from hub.celery_app import app
from hub.services import order_push, pull, relay, resync, runs, schedule, triggers
from hub.services.allocation import allocate
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import SyncContext
from hub.services.triggers import INTAKE, RELAY

__all__ = ["CeleryDispatcher", "context"]

log = logging.getLogger(__name__)

RETRIABLE = (RetriableError, OperationalError, DBAPIError)


def _task(name: str) -> Callable[[Callable[..., Any]], Task[Any, Any]]:
    """Late ack, and retries with exponential backoff (2 s doubling up to 10 min, jitter)
    for what time can fix. Per-request retries live in the HTTP toolkit; these are the
    per-job layer above them."""
    return app.task(
        name=name,
        autoretry_for=RETRIABLE,
        retry_backoff=2,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=12,
        acks_late=True,
        reject_on_worker_lost=True,
    )


_context: SyncContext | None = None


def context() -> SyncContext:
    """The worker's SyncContext: the process's Hub's (built once, from the settings)."""
    return _context if _context is not None else the_hub().sync


def use_context(ctx: SyncContext | None) -> None:
    """Let a process that already built its context (``hub run``, tests) share it."""
    global _context
    _context = ctx


def enqueue_run(kind: str, tenant_id: int, channel_id: int, countdown: float) -> None:
    """hub.services.triggers' port to the queue: a channel's intake or relay run."""
    task = intake_channel if kind == INTAKE else relay_channel
    if countdown > 0:
        task.apply_async((tenant_id, channel_id), countdown=countdown)
    else:
        task.apply_async((tenant_id, channel_id))


class CeleryDispatcher:
    """Committed work becomes a signal on the channel's trigger, not a task per event: a
    run is enqueued only when the channel has none queued or running."""

    def __init__(self, ctx: SyncContext | None = None) -> None:
        self._ctx = ctx  # the API and `hub run` pass theirs; workers build one lazily

    @property
    def ctx(self) -> SyncContext:
        return self._ctx or context()

    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None:
        triggers.signal_inbox(self.ctx, tenant_id, inbox_ids, enqueue_run)

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], object]:
        return triggers.mark_intake(self.ctx, session, tenant_id, channel_id, enqueue_run)

    def relay(self, tenant_id: int) -> None:
        triggers.signal_tenant(self.ctx, tenant_id, RELAY, enqueue_run)


@app.task(name="hub.tasks.intake_channel", acks_late=True, reject_on_worker_lost=True)
def intake_channel(tenant_id: int, channel_id: int) -> dict[str, Any] | None:
    """One micro-batch of a channel's pending inbox records (retries: the trigger's)."""
    return runs.run_intake(context(), tenant_id, channel_id, enqueue_run)


@app.task(name="hub.tasks.relay_channel", acks_late=True, reject_on_worker_lost=True)
def relay_channel(tenant_id: int, channel_id: int) -> dict[str, Any] | None:
    """Push a channel's pending stock and order events (retries: the trigger's)."""
    return runs.run_relay(context(), tenant_id, channel_id, enqueue_run)


@_task("hub.tasks.process_inbox")
def process_inbox(tenant_id: int, inbox_ids: list[int]) -> dict[str, int]:
    """Named records at once (a message from an older version, or sent by hand); the
    dispatcher itself signals intake runs instead."""
    outcomes = process_batch(context(), tenant_id, inbox_ids)
    CeleryDispatcher().relay(tenant_id)  # allocations changed stock: push it
    results: dict[str, int] = {}
    for outcome in outcomes:
        results[outcome.result] = results.get(outcome.result, 0) + 1
    return results


def _within_budget(task: Task[Any, Any], job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a pull whose platform budget (e.g. Shopify's query cost) may run dry: a wait
    longer than `rate_wait_in_run` comes back as a retry of the running ``task`` at the
    refill time instead of a worker slot sleeping; the pages already taken are committed
    with their cursor."""
    try:
        with in_process_wait(context().settings.rate_wait_in_run):
            return job()
    except RateLimited as exc:
        if exc.retry_after is None:
            raise
        raise task.retry(countdown=exc.retry_after, exc=exc) from None


@_task("hub.tasks.pull_channel")
def pull_channel(tenant_id: int, channel_id: int) -> dict[str, Any]:
    ctx = context()
    return _within_budget(
        pull_channel, lambda: pull.pull(ctx, CeleryDispatcher(), tenant_id, channel_id).as_dict()
    )


@_task("hub.tasks.sweep_channel")
def sweep_channel(tenant_id: int, channel_id: int) -> dict[str, Any]:
    ctx = context()
    return _within_budget(
        sweep_channel, lambda: pull.sweep(ctx, CeleryDispatcher(), tenant_id, channel_id).as_dict()
    )


@_task("hub.tasks.allocate_order")
def allocate_order(tenant_id: int, order_id: int) -> str:
    return allocate(context().uow(tenant_id), order_id, actor="worker").status.value


@_task("hub.tasks.relay_outbox")
def relay_outbox(tenant_id: int) -> dict[str, Any]:
    """The whole tenant in one run (a message from an older version, or sent by hand);
    the dispatcher signals each channel's own relay run instead."""
    report = relay.relay(context(), tenant_id)
    orders = order_push.deliver(context(), tenant_id)
    if report.failed or orders.failed:
        # Events stay pending; raising makes Celery retry the relay with backoff.
        raise RetriableError("; ".join(report.failed + orders.failed))
    return {**report.as_dict(), "orders": orders.as_dict()}


@_task("hub.tasks.resync_channel")
def resync_channel(tenant_id: int, channel_id: int) -> dict[str, Any]:
    return resync.resync(context(), tenant_id, channel_id).as_dict()


JOB_TASKS = {"pull": pull_channel, "sweep": sweep_channel, "resync": resync_channel}


@app.task(name="hub.tasks.tick", acks_late=True, ignore_result=True)
def tick() -> dict[str, int]:
    """Beat's only entry: enqueue each channel's due jobs and reap lost work."""
    ctx = context()
    due = schedule.claim_due_jobs(ctx)
    for job in due:
        JOB_TASKS[job.job].delay(job.tenant_id, job.channel_id)
    stuck = schedule.claim_stuck(ctx)
    dispatcher = CeleryDispatcher()
    for tenant_id, ids in stuck.inbox.items():
        dispatcher.process_inbox(tenant_id, ids)
    for tenant_id in stuck.outbox_tenants:
        dispatcher.relay(tenant_id)
    reaped = sum(len(ids) for ids in stuck.inbox.values())
    if reaped:
        log.warning("reaper re-enqueued %d pending inbox records", reaped)
    return {"jobs": len(due), "reaped_inbox": reaped, "relays": len(stuck.outbox_tenants)}
