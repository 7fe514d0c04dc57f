"""The audit trail: one append-only row per write made through the operator surfaces,
in the same transaction as the write, so a refused or rolled-back change leaves none."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hub.db.tables_operator import audit_entries
from hub.domain.clock import utcnow

__all__ = ["count_entries", "list_entries", "record"]


def record(
    session: Session,
    tenant_id: int,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> None:
    session.execute(
        insert(audit_entries).values(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            target=target,
            before=_plain(before),
            after=_plain(after),
            at=utcnow(),
        )
    )


def _plain(value: Any) -> Any:
    """JSON-safe copy (times, decimals and enums as text): the entry keeps what it saw."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def list_entries(
    session: Session,
    tenant_id: int,
    *,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    a = audit_entries.c
    query = select(audit_entries).where(*_filters(tenant_id, action, since))
    rows = session.execute(query.order_by(a.id.desc()).limit(limit).offset(offset)).mappings()
    return [{**dict(r), "at": r["at"].isoformat()} for r in rows]


def count_entries(
    session: Session, tenant_id: int, *, action: str | None = None, since: datetime | None = None
) -> int:
    """How many entries the same filters as ``list_entries`` match (the page's total)."""
    query = select(func.count()).select_from(audit_entries)
    return int(session.execute(query.where(*_filters(tenant_id, action, since))).scalar_one())


def _filters(tenant_id: int, action: str | None, since: datetime | None) -> list[Any]:
    a = audit_entries.c
    where: list[Any] = [a.tenant_id == tenant_id]
    if action:
        where.append(a.action == action)
    if since:
        where.append(a.at >= since)
    return where
