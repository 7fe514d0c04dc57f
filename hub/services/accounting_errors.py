"""Held documents in the hub's error queue (`hub errors list`), next to records the sync
engine could not take in: one open error per document, closed when it is rebuilt."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.db.tables_sync import sync_errors
from hub.domain.clock import utcnow
from hub.domain.documents import Document
from hub.services.inbox import record_error

__all__ = ["STAGE", "close_hold", "open_hold"]

STAGE = "accounting"
_FIX = " (fix it, then `hub books post --retry-held`)"


def close_hold(session: Session, tenant_id: int, doc: Document) -> None:
    e = sync_errors.c
    session.execute(
        update(sync_errors)
        .where(e.tenant_id == tenant_id, e.stage == STAGE, e.record == doc.label[:300])
        .where(e.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )


def open_hold(session: Session, tenant_id: int, doc: Document) -> None:
    close_hold(session, tenant_id, doc)
    reason = (doc.hold_reason or "held") + _FIX
    record_error(session, tenant_id, None, None, STAGE, doc.label, "document", reason)
