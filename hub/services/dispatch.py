"""The dispatcher that runs work right away in the caller (CLI without a worker, tests);
the Celery one lives in hub.tasks. Both are called only after the work was committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from sqlalchemy.orm import Session

from hub.services import order_books, order_push, relay
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import SyncContext

__all__ = ["InlineDispatcher"]


class InlineDispatcher:
    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx

    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None:
        process_batch(self.ctx, tenant_id, inbox_ids)

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], object]:
        return partial(self.process_inbox, tenant_id, list(inbox_ids))

    def relay(self, tenant_id: int) -> None:
        relay.relay(self.ctx, tenant_id)
        order_push.deliver(self.ctx, tenant_id)
        # The books follow what the intake just changed (`hub sync pull` / `sweep`).
        order_books.follow_order_changes(lambda: self.ctx.uow(tenant_id))
