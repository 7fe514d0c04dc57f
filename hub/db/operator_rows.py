"""The error queue and the audit trail as row queries for the operator lists (paged by
hub.db.paging on the indexes of migration 0010_list_indexes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from hub.db.paging import Key
from hub.db.tables_operator import audit_entries
from hub.db.tables_sync import sync_errors

__all__ = ["AUDIT_KEY", "ERROR_KEY", "audit_rows", "error_rows"]

ERROR_KEY = (Key(sync_errors.c.id, "id", int),)  # oldest first, as the queue is worked
AUDIT_KEY = (Key(audit_entries.c.id, "id", int),)  # newest first


def error_rows(tenant_id: int, include_resolved: bool) -> Select[Any]:
    e = sync_errors.c
    query = select(
        e.id,
        e.channel_id,
        e.inbox_id,
        e.stage,
        e.record,
        e.field,
        e.reason,
        e.attempts,
        e.created_at,
        e.resolved_at,
    ).where(e.tenant_id == tenant_id)
    return query if include_resolved else query.where(e.resolved_at.is_(None))


def audit_rows(tenant_id: int, action: str | None, since: datetime | None) -> Select[Any]:
    a = audit_entries.c
    query = select(audit_entries).where(a.tenant_id == tenant_id)
    if action:
        query = query.where(a.action == action)
    if since:
        query = query.where(a.at >= since)
    return query
