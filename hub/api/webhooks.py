"""`POST /webhooks/{channel_id}`: verify, record, de-duplicate, archive, acknowledge.

The body is read raw (the signature covers the exact bytes). The work after the archive
goes to the queue; if the queue is unreachable the delivery is still acknowledged,
because the records are safely archived as pending and the reaper enqueues them later.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from connectors.base import FatalConfigurationError, WebhookRejected
from hub.api.deps import DispatcherDep, SyncDep
from hub.domain.errors import NotFound
from hub.services.webhooks import receive

router = APIRouter()
log = logging.getLogger(__name__)


@router.post("/webhooks/{channel_id}")
async def webhook(
    channel_id: int, request: Request, sync: SyncDep, dispatcher: DispatcherDep
) -> dict[str, object]:
    body = await request.body()
    headers = dict(request.headers)
    try:
        outcome = await run_in_threadpool(receive, sync, channel_id, headers, body, dispatcher)
    except WebhookRejected:
        raise HTTPException(401, "webhook signature missing or invalid") from None
    except NotFound:
        raise HTTPException(404, f"no channel {channel_id}") from None
    except FatalConfigurationError:  # no connector, or one without webhooks
        raise HTTPException(404, f"channel {channel_id} takes no webhooks") from None
    if outcome.hand_on is not None:
        try:
            await run_in_threadpool(outcome.hand_on)
        except Exception:  # the broker is down: archived records wait for the reaper
            log.warning("queue unreachable; %d records left for the reaper", len(outcome.inbox_ids))
    return {"status": outcome.outcome, "records": len(outcome.inbox_ids)}
