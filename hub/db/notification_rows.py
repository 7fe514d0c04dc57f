"""The queries of notifications: what each source has that was not notified yet, the
detectors' cursors, and the notification and delivery rows themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.tables_allocation import outbox_events
from hub.db.tables_notifications import (
    notification_cursors,
    notification_deliveries,
    notification_subscriptions,
    notifications,
)
from hub.db.tables_sync import sync_errors
from hub.domain.notifications import DeliveryStatus
from hub.domain.orders import FinancialStatus, OrderStatus

__all__ = [
    "add_notification",
    "claim_due",
    "codes",
    "open_error_count",
    "outbox_since",
    "overdue_orders",
    "read_cursor",
    "totals_errors_since",
    "write_cursor",
]

ORDER_KEY = "order:"
# Stock reserved and waiting to go out, or money taken: the merchant owes a dispatch.
_ALLOCATED = (OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED, OrderStatus.PARTIALLY_SHIPPED)
_DONE = (OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)
_PAID = (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED)


def read_cursor(session: Session, tenant_id: int, source: str) -> dict[str, Any] | None:
    c = notification_cursors.c
    row = session.execute(
        select(c.state).where(c.tenant_id == tenant_id, c.source == source).with_for_update()
    ).first()
    return dict(row.state) if row is not None else None


def write_cursor(
    session: Session, tenant_id: int, source: str, state: dict[str, Any], existed: bool
) -> None:
    c = notification_cursors.c
    if existed:
        session.execute(
            update(notification_cursors)
            .where(c.tenant_id == tenant_id, c.source == source)
            .values(state=state)
        )
    else:
        session.execute(
            insert(notification_cursors).values(tenant_id=tenant_id, source=source, state=state)
        )


def outbox_since(
    session: Session, tenant_id: int, topic: str, after_id: int, limit: int
) -> list[Any]:
    o = outbox_events.c
    return list(
        session.execute(
            select(o.id, o.key, o.payload, o.created_at)
            .where(o.tenant_id == tenant_id, o.topic == topic, o.id > after_id)
            .order_by(o.id)
            .limit(limit)
        )
    )


def last_outbox_id(session: Session, tenant_id: int, topic: str) -> int:
    o = outbox_events.c
    found = session.execute(
        select(func.max(o.id)).where(o.tenant_id == tenant_id, o.topic == topic)
    ).scalar_one()
    return int(found or 0)


def codes(
    session: Session, tenant_id: int, warehouse_ids: set[int], sku_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Warehouse and SKU codes by id, for messages a person reads."""
    w, s = t.warehouses.c, t.skus.c
    in_tenant = select(w.id, w.code).where(w.tenant_id == tenant_id, w.id.in_(warehouse_ids))
    warehouses = {int(r[0]): str(r[1]) for r in session.execute(in_tenant)}
    sku_rows = session.execute(
        select(s.id, s.code).where(s.tenant_id == tenant_id, s.id.in_(sku_ids))
    )
    skus = {int(r[0]): str(r[1]) for r in sku_rows}
    return warehouses, skus


def overdue_orders(
    session: Session, tenant_id: int, placed_before: datetime, limit: int
) -> list[Any]:
    """Orders placed before the cutoff, allocated or paid, not shipped, and not yet
    notified (the NOT EXISTS keeps a tick from re-reading every old overdue order)."""
    o, n = t.orders.c, notifications.c
    notified = exists().where(
        n.tenant_id == tenant_id,
        n.kind == "order.overdue",
        n.dedupe_key == literal(ORDER_KEY) + cast(o.id, String),
    )
    return list(
        session.execute(
            select(o.id, o.external_id, o.number, o.status, o.financial_status, o.placed_at)
            .where(
                o.tenant_id == tenant_id,
                o.placed_at < placed_before,
                o.status.not_in(_DONE),
                or_(o.status.in_(_ALLOCATED), o.financial_status.in_(_PAID)),
                ~notified,
            )
            .order_by(o.placed_at, o.id)
            .limit(limit)
        )
    )


def totals_errors_since(session: Session, tenant_id: int, after_id: int, limit: int) -> list[Any]:
    e = sync_errors.c
    return list(
        session.execute(
            select(e.id, e.record, e.field, e.reason, e.created_at)
            .where(
                e.tenant_id == tenant_id,
                e.stage == "totals",
                e.id > after_id,
                e.resolved_at.is_(None),  # an operator already dealt with it
            )
            .order_by(e.id)
            .limit(limit)
        )
    )


def open_error_count(session: Session, tenant_id: int) -> int:
    e = sync_errors.c
    query = select(func.count()).where(e.tenant_id == tenant_id, e.resolved_at.is_(None))
    return int(session.execute(query).scalar_one())


def add_notification(
    session: Session,
    tenant_id: int,
    kind: str,
    dedupe_key: str,
    subject: str,
    payload: dict[str, Any],
    now: datetime,
    subscription_ids: Sequence[int],
) -> int | None:
    """The notification and one pending delivery per subscription; None when this
    occurrence was already notified (the dedupe)."""
    n = notifications.c
    seen = session.execute(
        select(n.id).where(n.tenant_id == tenant_id, n.kind == kind, n.dedupe_key == dedupe_key)
    ).first()
    if seen is not None:
        return None
    notification_id = session.execute(
        insert(notifications)
        .values(
            tenant_id=tenant_id,
            kind=kind,
            dedupe_key=dedupe_key[:300],
            subject=subject[:300],
            payload=payload,
            created_at=now,
        )
        .returning(n.id)
    ).scalar_one()
    if subscription_ids:
        session.execute(
            insert(notification_deliveries),
            [
                {
                    "tenant_id": tenant_id,
                    "notification_id": notification_id,
                    "subscription_id": sid,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for sid in subscription_ids
            ],
        )
    return int(notification_id)


def subscribers(session: Session, tenant_id: int) -> list[tuple[int, list[str]]]:
    """Active subscriptions and the kinds each wants ([] = every kind)."""
    s = notification_subscriptions.c
    rows = session.execute(
        select(s.id, s.kinds).where(s.tenant_id == tenant_id, s.active.is_(True)).order_by(s.id)
    )
    return [(int(r.id), list(r.kinds or [])) for r in rows]


def claim_due(
    session: Session,
    tenant_id: int,
    now: datetime,
    lease_until: datetime,
    limit: int,
    notification_id: int | None = None,
) -> list[Any]:
    """Deliveries due now, locked and pushed to ``lease_until`` so a second worker does
    not send them too; the caller commits, sends outside the transaction, then records."""
    d, n, s = notification_deliveries.c, notifications.c, notification_subscriptions.c
    due = [DeliveryStatus.PENDING.value, DeliveryStatus.RETRYING.value]
    query = select(d.id).where(
        d.tenant_id == tenant_id, d.status.in_(due), d.next_attempt_at <= now
    )
    if notification_id is not None:
        query = query.where(d.notification_id == notification_id)
    ids = list(
        session.execute(
            query.order_by(d.next_attempt_at, d.id).limit(limit).with_for_update(skip_locked=True)
        ).scalars()
    )
    if not ids:
        return []
    session.execute(
        update(notification_deliveries).where(d.id.in_(ids)).values(next_attempt_at=lease_until)
    )
    return list(
        session.execute(
            select(
                d.id,
                d.attempts,
                n.id.label("notification_id"),
                n.kind,
                n.subject,
                n.payload,
                n.created_at,
                s.name,
                s.channel,
                s.target,
                s.secret,
            )
            .join(notifications, n.id == d.notification_id)
            .join(notification_subscriptions, s.id == d.subscription_id)
            .where(d.id.in_(ids))
            .order_by(d.id)
        )
    )
