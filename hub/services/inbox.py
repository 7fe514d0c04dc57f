"""The inbox: every inbound payload archived raw, keyed by its platform version, before
anything maps it; and the error queue of records that could not be taken in.

Archiving is an INSERT ... ON CONFLICT DO NOTHING on (channel, kind, external id,
version): the same version by poll, webhook and redelivery is stored once, and only
records still pending come back for processing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.base import RawRecord, SkippableRecordError
from hub.db.tables_sync import inbox_records, sync_errors
from hub.domain.clock import utcnow

__all__ = [
    "PENDING",
    "ErrorView",
    "archive",
    "archive_skipped",
    "list_errors",
    "printable",
    "record_error",
    "resolve_errors",
    "storable_key",
    "version_key",
]

PENDING, PROCESSED, STALE, FAILED = "pending", "processed", "stale", "failed"


def version_key(record: RawRecord) -> str:
    """The platform's updated-at, canonical; a digest of the payload when it has none."""
    if record.updated_at is not None:
        return record.updated_at.isoformat(timespec="microseconds")
    body = json.dumps(record.payload, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


MAX_KEY = 255  # inbox_records.external_id, webhook_deliveries.delivery_id


def storable_key(key: str | None) -> str | None:
    """A platform's id as the database can hold it: one too long, carrying a NUL
    (PostgreSQL text refuses it) or a lone surrogate (not UTF-8 at all: JSON's "\\ud800"
    parses to one) becomes its digest, which still de-duplicates."""
    if key is None or (len(key) <= MAX_KEY and "\x00" not in key and _is_utf8(key)):
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unusable_id(record: RawRecord) -> SkippableRecordError | None:
    if storable_key(record.external_id) == record.external_id:
        return None
    shown = printable(record.external_id[:40])
    if "\x00" in record.external_id:
        problem = "contains a NUL character"
    elif not _is_utf8(record.external_id):
        problem = "is not valid Unicode"
    else:
        problem = "is too long"
    key = storable_key(record.external_id) or "?"  # archived under its digest
    return SkippableRecordError(key, "id", f"{shown!r}... {problem} for an id", record.payload)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def archive(
    session: Session,
    tenant_id: int,
    channel_id: int,
    records: Sequence[RawRecord],
    source: str,
    *,
    status: str = PENDING,
) -> list[int]:
    """Store ``records`` (inside the caller's transaction); return the ids of the ones
    still waiting to be processed, new or not, in the order given."""
    problems = [p for p in map(_unusable_id, records) if p is not None]
    if problems:  # queued as failed, each with an error naming its id; the rest go on
        archive_skipped(session, tenant_id, channel_id, problems, source)
        records = [r for r in records if _unusable_id(r) is None]
    if not records:
        return []
    now = utcnow()
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in records:
        key = (record.kind, record.external_id, version_key(record))
        rows[key] = {
            "tenant_id": tenant_id,
            "channel_id": channel_id,
            "kind": key[0],
            "external_id": key[1],
            "version": key[2],
            "platform_updated_at": record.updated_at,
            "source": source,
            "payload": dict(record.payload) if isinstance(record.payload, Mapping) else {},
            "received_at": now,
            "status": status,
            "attempts": 0,
        }
    session.execute(_insert(session)(inbox_records).on_conflict_do_nothing(), list(rows.values()))
    i = inbox_records.c
    # Kinds and external ids rather than a (kind, id, version) tuple IN: a third of the
    # parameters, the same index prefix; other versions are dropped by the lookup below.
    found = session.execute(
        select(i.id, i.kind, i.external_id, i.version, i.status).where(
            i.channel_id == channel_id,
            i.kind.in_(sorted({key[0] for key in rows})),
            i.external_id.in_(sorted({key[1] for key in rows})),
        )
    ).all()
    by_key = {(r.kind, r.external_id, r.version): (r.id, r.status) for r in found}
    return [by_key[k][0] for k in rows if by_key[k][1] == PENDING]


def archive_skipped(
    session: Session,
    tenant_id: int,
    channel_id: int,
    skipped: Sequence[SkippableRecordError],
    source: str,
) -> int:
    """Records the connector could not even read: archived as failed, each with an error."""
    for problem in skipped:
        payload = (
            problem.payload if isinstance(problem.payload, Mapping) else {"raw": problem.payload}
        )
        raw = RawRecord("order", storable_key(problem.record_id) or "?", None, payload)
        archive(session, tenant_id, channel_id, [raw], source, status=FAILED)
        i = inbox_records.c
        inbox_id = session.execute(
            select(i.id).where(
                i.channel_id == channel_id,
                i.kind == raw.kind,
                i.external_id == raw.external_id,
                i.version == version_key(raw),
            )
        ).scalar_one()
        record_error(
            session,
            tenant_id,
            channel_id,
            inbox_id,
            "parse",
            f"order {problem.record_id}",
            problem.field,
            problem.reason,
        )
    return len(skipped)


def record_error(
    session: Session,
    tenant_id: int,
    channel_id: int | None,
    inbox_id: int | None,
    stage: str,
    record: str,
    field: str,
    reason: str,
) -> int:
    """Open (or bump) the error of one record; one open error per inbox record."""
    now = utcnow()
    # The texts quote the bad input: a NUL (which PostgreSQL text refuses) would make the
    # error itself unrecordable and leave the record pending forever.
    record, field, reason = (printable(x) for x in (record, field, reason[:MAX_REASON]))
    e = sync_errors.c
    if inbox_id is not None:
        open_id = session.execute(
            select(e.id).where(e.inbox_id == inbox_id, e.resolved_at.is_(None))
        ).scalar()
        if open_id is not None:
            session.execute(
                update(sync_errors)
                .where(e.id == open_id)
                .values(
                    stage=stage,
                    field=field,
                    reason=reason,
                    attempts=e.attempts + 1,
                    last_attempt_at=now,
                )
            )
            return int(open_id)
    values = {
        "tenant_id": tenant_id,
        "channel_id": channel_id,
        "inbox_id": inbox_id,
        "stage": stage,
        "record": record[:300],
        "field": field[:200],
        "reason": reason,
        "attempts": 1,
        "created_at": now,
        "last_attempt_at": now,
    }
    return int(session.execute(insert(sync_errors).values(values).returning(e.id)).scalar_one())


MAX_REASON = 4000  # whole in the detail view; tables truncate further


def printable(text: str) -> str:
    """Storable in any text column: NUL and lone surrogates spelled as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def resolve_errors(session: Session, inbox_id: int) -> None:
    e = sync_errors.c
    session.execute(
        update(sync_errors)
        .where(e.inbox_id == inbox_id, e.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )


@dataclass(frozen=True)
class ErrorView:
    id: int
    channel_id: int | None
    inbox_id: int | None
    stage: str
    record: str
    field: str
    reason: str
    attempts: int
    created_at: datetime
    resolved_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["created_at"] = self.created_at.isoformat()
        data["resolved_at"] = self.resolved_at.isoformat() if self.resolved_at else None
        return data


def list_errors(
    session: Session, tenant_id: int, *, include_resolved: bool = False, limit: int = 100
) -> list[ErrorView]:
    e = sync_errors.c
    query = select(sync_errors).where(e.tenant_id == tenant_id)
    if not include_resolved:
        query = query.where(e.resolved_at.is_(None))
    rows = session.execute(query.order_by(e.id).limit(limit)).mappings()
    return [
        ErrorView(
            r["id"],
            r["channel_id"],
            r["inbox_id"],
            r["stage"],
            r["record"],
            r["field"],
            r["reason"],
            r["attempts"],
            r["created_at"],
            r["resolved_at"],
        )
        for r in rows
    ]
