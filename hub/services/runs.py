"""A channel's runs: one intake run and one relay run at a time, each bounded, each
handing back when the next should come (hub.services.triggers holds the bookkeeping).

- Intake: one micro-batch of the channel's pending inbox records (hub.services.intake),
  then a relay signal for the tenant's channels (allocations changed their figures).
- Relay: the channel's stock events (batched, coalesced) and its order events. Rate
  waits inside the run are bounded by `rate_wait_in_run`: a channel out of tokens ends
  its run and is enqueued again for when its budget refills, so it never holds a worker
  slot, and since every channel has its own run, a slow or throttled store never delays
  another one's push.

A run that raises (database gone, a bug) is logged and comes back with exponential
backoff (the trigger's, not the queue's: the two never multiply); the records and events
it left are still pending, nothing is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.toolkit import in_process_wait
from hub.services import intake, order_push, relay, triggers
from hub.services.sync_context import SyncContext
from hub.services.triggers import INTAKE, RELAY, Enqueue, Finish

__all__ = ["ORDER_EVENTS_PER_RUN", "run_intake", "run_relay"]

log = logging.getLogger(__name__)

ORDER_EVENTS_PER_RUN = 200


def run_intake(
    ctx: SyncContext, tenant_id: int, channel_id: int, enqueue: Enqueue
) -> dict[str, Any] | None:
    """One intake batch of the channel; None when another run holds the channel."""
    if not triggers.start(ctx, tenant_id, INTAKE, channel_id):
        return None
    try:
        batch = intake.take_batch(ctx, tenant_id, channel_id)
    except Exception:
        log.exception("intake run of channel %s failed; it comes back with backoff", channel_id)
        after = triggers.finish(ctx, tenant_id, INTAKE, channel_id, Finish(failed=True), enqueue)
        return {"failed": True, "next_in": after}
    if batch.outcomes:
        triggers.signal_tenant(ctx, tenant_id, RELAY, enqueue)
    triggers.finish(ctx, tenant_id, INTAKE, channel_id, Finish(more=batch.more), enqueue)
    results: dict[str, Any] = {}
    for outcome in batch.outcomes:
        results[outcome.result] = results.get(outcome.result, 0) + 1
    return {"records": len(batch.outcomes), "more": batch.more, **results}


def run_relay(
    ctx: SyncContext, tenant_id: int, channel_id: int, enqueue: Enqueue
) -> dict[str, Any] | None:
    """Push the channel's pending stock and order events; None when another run holds it."""
    if not triggers.start(ctx, tenant_id, RELAY, channel_id):
        return None
    s = ctx.settings
    try:
        with in_process_wait(s.rate_wait_in_run):
            stock = relay.relay(
                ctx, tenant_id, channel_id=channel_id, max_batches=s.relay_batches_per_run
            )
            orders = order_push.OrderPushReport()
            if stock.retry_after is None:
                orders = order_push.deliver(
                    ctx, tenant_id, channel_id=channel_id, limit=ORDER_EVENTS_PER_RUN
                )
    except Exception:
        log.exception("relay run of channel %s failed; it comes back with backoff", channel_id)
        after = triggers.finish(ctx, tenant_id, RELAY, channel_id, Finish(failed=True), enqueue)
        return {"failed": True, "next_in": after}
    retry_after = stock.retry_after if stock.retry_after is not None else orders.retry_after
    more = (
        stock.events >= s.relay_batches_per_run * s.relay_batch_size
        or orders.events >= ORDER_EVENTS_PER_RUN
    )
    how = Finish(
        more=more,
        failed=bool(stock.failed or orders.failed) and retry_after is None,
        retry_after=retry_after,
    )
    after = triggers.finish(ctx, tenant_id, RELAY, channel_id, how, enqueue)
    return {**stock.as_dict(), "orders": orders.as_dict(), "next_in": after}
