"""Tell the channel what the hub did to its order: a shipment (with carrier and tracking)
or a cancellation the hub decided (an operator rejecting a held order).

The event is written to the outbox in the transaction that ships or cancels, so it can
neither be lost nor sent for something that did not commit; `deliver` sends pending
events one by one (each platform call is one order) and marks each delivered in its own
commit, after the call. A crash between the call and the commit sends that one event
again; platforms refuse a second cancellation and a fulfillment of already-fulfilled
lines, which lands in the error queue instead of doubling anything.

A channel whose connector does not declare the capability gets nothing (the event is
closed as "unsupported"); a platform that is down, throttling or refusing the
credentials leaves the event pending for the next relay, up to MAX_ATTEMPTS; a refusal
of the order itself, or the last attempt, goes to the error queue with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from connectors.base import (
    Capability,
    ConnectorError,
    FulfillmentPush,
    RateLimited,
    SkippableRecordError,
    StorefrontConnector,
)
from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.domain.clock import utcnow
from hub.services.inbox import record_error
from hub.services.sync_context import SyncContext, load_channel, prepare_channels

__all__ = [
    "ORDER_CANCELLED",
    "ORDER_FULFILLED",
    "TOPICS",
    "OrderPushReport",
    "Tracking",
    "deliver",
    "record_cancellation",
    "record_shipment",
]

ORDER_FULFILLED = "order.fulfilled"
ORDER_CANCELLED = "order.cancelled"
TOPICS = (ORDER_FULFILLED, ORDER_CANCELLED)
MAX_ATTEMPTS = 8
_NEEDS = {
    ORDER_FULFILLED: Capability.PUSH_FULFILLMENT,
    ORDER_CANCELLED: Capability.PUSH_CANCELLATION,
}


@dataclass(frozen=True)
class Tracking:
    carrier: str = ""
    number: str = ""
    url: str | None = None


@dataclass
class OrderPushReport:
    events: int = 0
    pushed: int = 0
    unsupported: int = 0
    calls: int = 0
    failed: list[str] = field(default_factory=list)
    retry_after: float | None = None  # the channel is out of rate budget for this long

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class OrderKey(Protocol):
    """The order as the caller locked it (e.g. `allocation_store.OrderRow`)."""

    id: int
    channel_id: int
    external_id: str


def record_shipment(
    session: Session,
    tenant_id: int,
    order: OrderKey,
    shipped: dict[int, int],
    tracking: Tracking,
) -> None:
    """shipped: hub order line id -> units shipped now. Lines the platform never named
    (no external line id: e.g. a line the hub added) cannot be told and are left out."""
    ol = t.order_lines.c
    rows = session.execute(select(ol.id, ol.external_id).where(ol.id.in_(list(shipped))))
    external = {line_id: external_id for line_id, external_id in rows}
    lines = {
        str(external[line_id]): qty
        for line_id, qty in sorted(shipped.items())
        if qty > 0 and external.get(line_id)
    }
    if not lines:
        return
    payload = {
        "lines": lines,
        "carrier": tracking.carrier,
        "tracking_number": tracking.number,
        "tracking_url": tracking.url,
    }
    _publish(session, tenant_id, ORDER_FULFILLED, order, payload)


def record_cancellation(session: Session, tenant_id: int, order: OrderKey, reason: str) -> None:
    _publish(session, tenant_id, ORDER_CANCELLED, order, {"reason": reason})


def deliver(
    ctx: SyncContext, tenant_id: int, *, limit: int = 200, channel_id: int | None = None
) -> OrderPushReport:
    """Send pending order events (of one channel, if given) one by one; a channel out of
    rate budget stops the round and says when it refills (`retry_after`)."""
    report = OrderPushReport()
    o = ta.outbox_events.c
    query = [o.tenant_id == tenant_id, o.topic.in_(TOPICS), o.delivered_at.is_(None)]
    if channel_id is not None:
        query.append(o.payload["channel_id"].as_integer() == channel_id)
    with ctx.uow(tenant_id) as uow:
        pending = uow.session.execute(
            select(o.id, o.payload).where(*query).order_by(o.attempts, o.id).limit(limit)
        ).all()
        event_ids = [row.id for row in pending]
    # Tokens refreshed out here: each delivery below calls its platform inside its claim.
    prepare_channels(ctx, tenant_id, [int(row.payload["channel_id"]) for row in pending])
    for event_id in event_ids:
        _deliver_one(ctx, tenant_id, event_id, report)
        if report.retry_after is not None:
            break
    return report


def _deliver_one(ctx: SyncContext, tenant_id: int, event_id: int, report: OrderPushReport) -> None:
    o = ta.outbox_events.c
    with ctx.uow(tenant_id) as uow:
        session = uow.session
        row = session.execute(
            select(o.topic, o.payload, o.attempts)
            .where(o.id == event_id, o.delivered_at.is_(None))
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if row is None:  # another relay has it, or delivered it meanwhile
            return
        report.events += 1
        payload = dict(row.payload)
        channel = load_channel(session, int(payload["channel_id"]), tenant_id)
        what = f"order {payload['order_external_id']} on channel {channel.name}"
        error: str | None = None
        try:
            outcome = _send(ctx.connectors.storefront(session, channel), row.topic, payload, report)
        except SkippableRecordError as exc:  # the platform refuses this order: say so
            error = str(exc)
        except RateLimited as exc:  # not the order's fault: no attempt counted, come back
            report.retry_after = exc.retry_after or 1.0
            return
        except ConnectorError as exc:  # down, throttled or credentials broken: try again
            error = str(exc)
            if row.attempts + 1 < MAX_ATTEMPTS:
                report.failed.append(f"{what}: {error}")
                session.execute(
                    update(ta.outbox_events).where(o.id == event_id).values(attempts=o.attempts + 1)
                )
                uow.commit()
                return
        if error is not None:
            report.failed.append(f"{what}: {error}")
            field_ = "fulfillment" if row.topic == ORDER_FULFILLED else "cancellation"
            record_error(session, tenant_id, channel.id, None, "push", what, field_, error)
            outcome = f"failed: {error}"
        session.execute(
            update(ta.outbox_events)
            .where(o.id == event_id)
            .values(
                delivered_at=ctx.clock(),
                attempts=o.attempts + 1,
                payload={**payload, "outcome": outcome},
            )
        )
        uow.commit()


def _send(
    connector: StorefrontConnector, topic: str, payload: dict[str, Any], report: OrderPushReport
) -> str:
    """One platform call for one event; its outcome ("accepted" or "unsupported")."""
    if _NEEDS[topic] not in connector.capabilities:
        report.unsupported += 1
        return "unsupported"
    if topic == ORDER_FULFILLED:
        result = connector.push_fulfillment(_fulfillment(payload))
    else:
        result = connector.push_cancellation(payload["order_external_id"], payload["reason"])
    report.calls += result.calls
    report.pushed += 1
    return "accepted"


def _fulfillment(payload: dict[str, Any]) -> FulfillmentPush:
    return FulfillmentPush(
        order_external_id=payload["order_external_id"],
        lines={k: int(v) for k, v in payload["lines"].items()},
        carrier=payload["carrier"],
        tracking_number=payload["tracking_number"],
        tracking_url=payload["tracking_url"],
    )


def _publish(
    session: Session, tenant_id: int, topic: str, order: OrderKey, payload: dict[str, Any]
) -> None:
    session.execute(
        insert(ta.outbox_events).values(
            tenant_id=tenant_id,
            topic=topic,
            key=f"channel:{order.channel_id}/order:{order.external_id}",
            payload={
                "channel_id": order.channel_id,
                "order_id": order.id,
                "order_external_id": order.external_id,
                **payload,
            },
            version=1,
            created_at=utcnow(),
            attempts=0,
        )
    )
