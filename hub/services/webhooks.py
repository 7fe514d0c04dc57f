"""Webhook intake: verify on the raw body, record every attempt, de-duplicate by the
platform's delivery id, archive, and return what to process (after commit, by the queue).

A forged or unsigned delivery is recorded as rejected and raises WebhookRejected; the
API turns that into 401. The connector does the constant-time signature compare.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.base import StorefrontConnector, WebhookRejected
from hub.db import tables as t
from hub.db.tables_sync import webhook_deliveries
from hub.domain.clock import utcnow
from hub.domain.errors import NotFound
from hub.services.inbox import archive, archive_skipped, storable_key
from hub.services.sync_context import ChannelRef, Dispatcher, SyncContext, load_channel

__all__ = ["WebhookOutcome", "receive"]


@dataclass(frozen=True)
class WebhookOutcome:
    tenant_id: int
    channel_id: int
    outcome: str  # accepted | duplicate
    delivery_id: str | None
    topic: str
    inbox_ids: list[int] = field(default_factory=list)
    # Hands the archived records on (to the queue) once their transaction committed.
    hand_on: Callable[[], object] | None = None


def receive(
    ctx: SyncContext,
    channel_id: int,
    headers: Mapping[str, str],
    body: bytes,
    dispatcher: Dispatcher | None = None,
) -> WebhookOutcome:
    delivery = None
    kept = ctx.kept.get(channel_id)
    if kept is not None:
        channel, connector = kept
        try:
            delivery = connector.parse_webhook(headers, body)
        except WebhookRejected:  # a secret rotated since: check with the stored one
            ctx.kept.forget(channel_id)
    if delivery is None:
        channel, connector = _open(ctx, channel_id)
        try:
            delivery = connector.parse_webhook(headers, body)
        except WebhookRejected as exc:
            _record(ctx, channel.tenant_id, channel_id, None, None, "", "rejected", str(exc), 0)
            raise
        ctx.kept.keep(channel, connector, ctx.settings.webhook_connector_ttl)
    tenant_id = channel.tenant_id
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
            hand_on = (
                dispatcher.inbox_archived(uow.session, tenant_id, channel_id, ids)
                if dispatcher is not None and ids
                else None
            )
            uow.commit()
            duplicate = False
        except IntegrityError:
            uow.rollback()
            duplicate = True
    if duplicate:  # recorded in a unit of work of its own, once this one is closed
        _record(ctx, tenant_id, channel_id, key, None, delivery.topic, "duplicate", "", 0)
        return WebhookOutcome(tenant_id, channel_id, "duplicate", key, delivery.topic)
    return WebhookOutcome(tenant_id, channel_id, "accepted", key, delivery.topic, ids, hand_on)


def _open(ctx: SyncContext, channel_id: int) -> tuple[ChannelRef, StorefrontConnector]:
    """The channel and its connector as stored, read in a unit of work closed before the
    connector verifies anything."""
    with ctx.uow() as uow:
        tenant_id = uow.session.execute(
            select(t.channels.c.tenant_id).where(t.channels.c.id == channel_id)
        ).scalar()
        if tenant_id is None:
            raise NotFound("channel", channel_id)
        channel = load_channel(uow.session, channel_id, tenant_id)
        return channel, ctx.connectors.storefront(uow.session, channel)


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
