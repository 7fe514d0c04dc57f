"""Queries of the sync_status table: the outcome of each (channel, stream)'s last runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_sync import sync_status

__all__ = ["record_outcome", "status_rows"]

# A stored error is for reading in a list; the whole exception is in the worker's log.
MAX_ERROR = 2000


def record_outcome(
    session: Session,
    tenant_id: int,
    channel_id: int,
    stream: str,
    at: datetime,
    error: str | None = None,
) -> None:
    """A success moves last_success_at; an error moves last_error(_at). Neither erases the
    other, so an operator sees both when a sync flaps."""
    changes: dict[str, Any] = (
        {"last_success_at": at}
        if error is None
        else {"last_error_at": at, "last_error": error[:MAX_ERROR]}
    )
    values = {"tenant_id": tenant_id, "channel_id": channel_id, "stream": stream, **changes}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sync_status).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["channel_id", "stream"],
            set_={k: statement.excluded[k] for k in changes},
        )
    )


def status_rows(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    """Every channel of the tenant with each stream it has run (channels that never ran
    appear once with stream None)."""
    c, s = t.channels.c, sync_status.c
    rows = session.execute(
        select(c.name, s.stream, s.last_success_at, s.last_error_at, s.last_error)
        .select_from(t.channels.outerjoin(sync_status, s.channel_id == c.id))
        .where(c.tenant_id == tenant_id)
        .order_by(c.name, s.stream)
    ).mappings()
    return [
        {
            "channel": r["name"],
            "stream": r["stream"],
            "last_success_at": r["last_success_at"],
            "last_error_at": r["last_error_at"],
            "last_error": r["last_error"],
        }
        for r in rows
    ]
