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

from connectors.base import RetriableError
from hub.bootstrap import the_hub
from hub.celery_app import app
from hub.services import order_push, pull, relay, resync, schedule
from hub.services.allocation import allocate
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import SyncContext

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


CHUNK = 50  # inbox ids per task: one page of a pull is one or a few messages

_context: SyncContext | None = None


def context() -> SyncContext:
    """The worker's SyncContext: the process's Hub's (built once, from the settings)."""
    return _context if _context is not None else the_hub().sync


def use_context(ctx: SyncContext | None) -> None:
    """Let a process that already built its context (``hub run``, tests) share it."""
    global _context
    _context = ctx


class CeleryDispatcher:
    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None:
        ids = list(inbox_ids)
        for start in range(0, len(ids), CHUNK):
            process_inbox.delay(tenant_id, ids[start : start + CHUNK])

    def relay(self, tenant_id: int) -> None:
        relay_outbox.delay(tenant_id)


@_task("hub.tasks.process_inbox")
def process_inbox(tenant_id: int, inbox_ids: list[int]) -> dict[str, int]:
    outcomes = process_batch(context(), tenant_id, inbox_ids)
    relay_outbox.delay(tenant_id)  # allocations changed stock: push it
    results: dict[str, int] = {}
    for outcome in outcomes:
        results[outcome.result] = results.get(outcome.result, 0) + 1
    return results


@_task("hub.tasks.pull_channel")
def pull_channel(tenant_id: int, channel_id: int) -> dict[str, Any]:
    return pull.pull(context(), CeleryDispatcher(), tenant_id, channel_id).as_dict()


@_task("hub.tasks.sweep_channel")
def sweep_channel(tenant_id: int, channel_id: int) -> dict[str, Any]:
    return pull.sweep(context(), CeleryDispatcher(), tenant_id, channel_id).as_dict()


@_task("hub.tasks.allocate_order")
def allocate_order(tenant_id: int, order_id: int) -> str:
    return allocate(context().uow(tenant_id), order_id, actor="worker").status.value


@_task("hub.tasks.relay_outbox")
def relay_outbox(tenant_id: int) -> dict[str, Any]:
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
