"""The audit trail: one append-only row per write made through the operator surfaces,
in the same transaction as the write, so a refused or rolled-back change leaves none."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hub.db.tables_operator import audit_entries
from hub.domain.clock import utcnow

__all__ = ["record"]


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
