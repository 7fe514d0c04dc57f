"""The error queue as the operator pages through it: a page of errors and the real
number behind it (a COUNT, never the length of a capped list), and one error whole."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.tables_sync import sync_errors
from hub.services.inbox import ErrorView

__all__ = ["ErrorPage", "get_error", "page_errors"]


@dataclass(frozen=True)
class ErrorPage:
    items: list[ErrorView]
    total: int
    offset: int
    limit: int

    @property
    def first(self) -> int:
        """1-based position of the first item shown (0 when the page is empty)."""
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.items)

    def notice(self) -> str:
        """ "showing 1–100 of 762" (or "none")."""
        if not self.total:
            return "none"
        if not self.items:
            return f"nothing at {self.offset + 1}; {self.total} in all"
        return f"showing {self.first}\u2013{self.last} of {self.total}"


def _view(row: Any) -> ErrorView:
    return ErrorView(**{f.name: row[f.name] for f in fields(ErrorView)})


def page_errors(
    session: Session,
    tenant_id: int,
    *,
    include_resolved: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> ErrorPage:
    e = sync_errors.c
    where = [e.tenant_id == tenant_id]
    if not include_resolved:
        where.append(e.resolved_at.is_(None))
    rows = session.execute(
        select(sync_errors).where(*where).order_by(e.id).limit(limit).offset(offset)
    ).mappings()
    total = session.execute(select(func.count()).select_from(sync_errors).where(*where))
    return ErrorPage([_view(r) for r in rows], int(total.scalar_one()), offset, limit)


def get_error(session: Session, tenant_id: int, error_id: int) -> ErrorView | None:
    e = sync_errors.c
    row = (
        session.execute(select(sync_errors).where(e.tenant_id == tenant_id, e.id == error_id))
        .mappings()
        .first()
    )
    return _view(row) if row is not None else None
