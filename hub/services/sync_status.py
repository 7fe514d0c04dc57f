"""Last successful sync and last error per channel and stream, recorded when a pull or a
sweep ends (not when the scheduler claims the job), for the CLI, the API and the
dashboard. The outcome is written in its own unit of work after the run's own have
closed: one writer at a time on SQLite."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from hub.db.sync_status import record_outcome, status_rows
from hub.observability import scrub
from hub.services.inbox import printable
from hub.services.sync_context import SyncContext

__all__ = ["channel_status", "tracked"]

log = logging.getLogger(__name__)


@contextmanager
def tracked(ctx: SyncContext, tenant_id: int, channel_id: int, stream: str) -> Iterator[None]:
    """Record how the enclosed run ended; the run's own exception always propagates."""
    try:
        yield
    except Exception as exc:
        # The text may quote the platform's answer: a NUL or a lone surrogate in it would
        # make the status unrecordable (PostgreSQL text refuses both), hiding the error.
        text = printable(scrub(f"{type(exc).__name__}: {exc}"))
        _record(ctx, tenant_id, channel_id, stream, text)
        raise
    _record(ctx, tenant_id, channel_id, stream, None)


def _record(
    ctx: SyncContext, tenant_id: int, channel_id: int, stream: str, error: str | None
) -> None:
    try:
        with ctx.uow(tenant_id) as uow:
            record_outcome(uow.session, tenant_id, channel_id, stream, ctx.clock(), error)
            uow.commit()
    except Exception:  # the status is a report: never let it hide the run's outcome
        log.warning("could not record the sync status of channel %s", channel_id, exc_info=True)


def channel_status(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    return status_rows(session, tenant_id)
