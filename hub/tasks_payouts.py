"""Celery tasks for channel payouts: thin, ids in, hub.services.payouts does the work.

Beat's `payouts` entry (every six hours) enqueues one pull per channel whose connector
declares payouts; the next accounting tick books what was settled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from connectors.base import Capability, ConnectorError
from hub.celery_app import app
from hub.db import tables as t
from hub.services import payouts
from hub.services.sync_context import load_channel
from hub.tasks import _task, context

__all__ = ["payouts_tick", "pull_payouts"]


@_task("hub.tasks.pull_payouts")
def pull_payouts(tenant_id: int, channel_id: int) -> dict[str, Any]:
    return payouts.pull_payouts(context(), tenant_id, channel_id).as_dict()


@app.task(name="hub.tasks.payouts_tick", acks_late=True, ignore_result=True)
def payouts_tick() -> dict[str, int]:
    ctx = context()
    queued = 0
    with ctx.uow() as uow:
        rows = uow.session.execute(select(t.channels.c.tenant_id, t.channels.c.id)).all()
    channels = [(int(r.tenant_id), int(r.id)) for r in rows]
    for tenant_id, channel_id in channels:
        with ctx.uow(tenant_id) as uow:
            channel = load_channel(uow.session, channel_id, tenant_id)
            try:
                connector = ctx.connectors.storefront(uow.session, channel)
            except ConnectorError:
                continue  # no connection yet: nothing to pull from
        if Capability.PULL_PAYOUTS in connector.capabilities:
            pull_payouts.delay(tenant_id, channel_id)
            queued += 1
    return {"queued": queued}
