"""Webhook intake: verify on the raw body, record every attempt, de-duplicate by the
platform's delivery id, archive, and return what to process (after commit, by the queue).

A forged or unsigned delivery is recorded as rejected and raises WebhookRejected; the
API turns that into 401. The connector does the constant-time signature compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.base import WebhookRejected
from hub.db import tables as t
from hub.db.tables_sync import webhook_deliveries
from hub.domain.clock import utcnow
from hub.domain.errors import NotFound
from hub.services.inbox import archive, archive_skipped, storable_key
from hub.services.sync_context import SyncContext, load_channel

__all__ = ["WebhookOutcome", "receive"]


@dataclass(frozen=True)
class WebhookOutcome:
    tenant_id: int
    channel_id: int
    outcome: str  # accepted | duplicate
    delivery_id: str | None
    topic: str
    inbox_ids: list[int] = field(default_factory=list)


def receive(
    ctx: SyncContext, channel_id: int, headers: Mapping[str, str], body: bytes
) -> WebhookOutcome:
    with ctx.uow() as uow:
        tenant_id = uow.session.execute(
            select(t.channels.c.tenant_id).where(t.channels.c.id == channel_id)
        ).scalar()
        if tenant_id is None:
            raise NotFound("channel", channel_id)
        channel = load_channel(uow.session, channel_id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, channel)
    try:
        delivery = connector.parse_webhook(headers, body)
    except WebhookRejected as exc:
        _record(ctx, tenant_id, channel_id, None, None, "", "rejected", str(exc), 0)
        raise
    key = storable_key(delivery.delivery_id)
    with ctx.uow(tenant_id) as uow:
        try:
            # The delivery row and the archive commit together: a duplicate either finds
            # the row or loses the unique race, and then archives nothing.
            _insert(
                uow.session,
                tenant_id,
                channel_id,
                key,
                key,
                delivery.topic,
                "accepted",
                "",
                len(delivery.records),
            )
            ids = archive(uow.session, tenant_id, channel_id, delivery.records, "webhook")
            archive_skipped(uow.session, tenant_id, channel_id, delivery.skipped, "webhook")
            uow.commit()
            duplicate = False
        except IntegrityError:
            uow.rollback()
            duplicate = True
    if duplicate:  # recorded in a unit of work of its own, once this one is closed
        _record(ctx, tenant_id, channel_id, key, None, delivery.topic, "duplicate", "", 0)
        return WebhookOutcome(tenant_id, channel_id, "duplicate", key, delivery.topic)
    return WebhookOutcome(tenant_id, channel_id, "accepted", key, delivery.topic, ids)


def _insert(
    session: Session,
    tenant_id: int,
    channel_id: int,
    delivery_id: str | None,
    dedupe_key: str | None,
    topic: str,
    outcome: str,
    reason: str,
    records: int,
) -> None:
    session.execute(
        insert(webhook_deliveries).values(
            tenant_id=tenant_id,
            channel_id=channel_id,
            delivery_id=delivery_id,
            dedupe_key=dedupe_key,
            topic=topic[:100],
            outcome=outcome,
            reason=reason,
            records=records,
            received_at=utcnow(),
        )
    )


def _record(
    ctx: SyncContext,
    tenant_id: int,
    channel_id: int,
    delivery_id: str | None,
    dedupe_key: str | None,
    topic: str,
    outcome: str,
    reason: str,
    records: int,
) -> None:
    with ctx.uow(tenant_id) as uow:
        _insert(
            uow.session,
            tenant_id,
            channel_id,
            delivery_id,
            dedupe_key,
            topic,
            outcome,
            reason,
            records,
        )
        uow.commit()
