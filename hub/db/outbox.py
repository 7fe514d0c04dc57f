"""The transactional outbox: events written in the same transaction as the change they
announce, delivered later (at least once, with the event id as idempotency key).

Contract for relays (the sync engine builds one on this):
- `pending()` returns undelivered events oldest first; deliver, then `mark_delivered`;
  on failure `record_failure` counts the attempt and the event stays pending.
- `(topic, key)` identifies what an event is about (e.g. "stock.changed",
  "channel:3/sku:17"); `version` grows per key, so a relay may skip every event of a
  key but the newest one, and a receiver may drop anything older than what it has.
- Payloads are JSON objects; events are never updated except for delivery bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.db.tables_allocation import outbox_events
from hub.domain.clock import utcnow

__all__ = ["Outbox", "OutboxEvent"]


@dataclass(frozen=True)
class OutboxEvent:
    topic: str
    key: str
    payload: dict[str, Any]
    version: int = 1
    id: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    delivered_at: datetime | None = None
    attempts: int = 0


class Outbox:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def add_many(self, events: Sequence[OutboxEvent]) -> None:
        if not events:
            return
        self.session.execute(
            outbox_events.insert(),
            [
                {
                    "tenant_id": self.tenant_id,
                    "topic": e.topic,
                    "key": e.key,
                    "payload": e.payload,
                    "version": e.version,
                    "created_at": e.created_at,
                    "attempts": 0,
                }
                for e in events
            ],
        )

    def add(self, event: OutboxEvent) -> None:
        self.add_many([event])

    def pending(self, topic: str | None = None, limit: int = 100) -> list[OutboxEvent]:
        o = outbox_events.c
        query = select(outbox_events).where(o.tenant_id == self.tenant_id, o.delivered_at.is_(None))
        if topic is not None:
            query = query.where(o.topic == topic)
        rows = self.session.execute(query.order_by(o.id).limit(limit)).mappings()
        return [
            OutboxEvent(
                r["topic"],
                r["key"],
                r["payload"],
                r["version"],
                r["id"],
                r["created_at"],
                r["delivered_at"],
                r["attempts"],
            )
            for r in rows
        ]

    def mark_delivered(self, ids: Sequence[int], at: datetime | None = None) -> None:
        o = outbox_events.c
        self.session.execute(
            update(outbox_events)
            .where(o.tenant_id == self.tenant_id, o.id.in_(list(ids)))
            .values(delivered_at=at or utcnow())
        )

    def record_failure(self, ids: Sequence[int]) -> None:
        o = outbox_events.c
        self.session.execute(
            update(outbox_events)
            .where(o.tenant_id == self.tenant_id, o.id.in_(list(ids)))
            .values(attempts=o.attempts + 1)
        )

    def count(self, topic: str | None = None) -> int:
        o = outbox_events.c
        query = select(func.count()).where(o.tenant_id == self.tenant_id)
        if topic is not None:
            query = query.where(o.topic == topic)
        return int(self.session.execute(query).scalar_one())
