"""Notifications, as the CLI, the dashboard and the scheduler use them: subscriptions
(webhook or e-mail, the kinds each wants), per-tenant thresholds, one run (detect, then
deliver what is due), a test send, and the delivery log. docs/notifications.md.

A webhook subscription's secret is sealed in the secret box like connection credentials;
it is shown once, when the subscription is added, and never again (views carry only
whether there is one)."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.config import Settings
from hub.crypto import SecretBox
from hub.db import notification_rows as rows
from hub.db import tables as t
from hub.db.tables_notifications import (
    notification_deliveries,
    notification_settings,
    notification_subscriptions,
    notifications,
)
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import AlreadyExists, InvalidValue, NotFound
from hub.domain.notifications import ChannelKind, DeliveryStatus, Kind, parse_kinds
from hub.services import audit
from hub.services.notification_delivery import DeliveryReport, RetryPolicy, deliver_due
from hub.services.notification_senders import Sender
from hub.services.notification_sources import Thresholds, detect

__all__ = [
    "Added",
    "LogEntry",
    "RunReport",
    "SubscriptionView",
    "add_subscription",
    "delivery_log",
    "list_subscriptions",
    "remove_subscription",
    "run",
    "run_every_tenant",
    "send_test",
    "thresholds",
    "update_thresholds",
]

UowFactory = Callable[[], UnitOfWork]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    name: str
    channel: str
    target: str  # a webhook URL shown as scheme://host/… (its path may hold a token)
    kinds: list[str]
    signed: bool
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Added:
    subscription: SubscriptionView
    secret: str | None  # the webhook secret, this once


@dataclass(frozen=True)
class LogEntry:
    delivery_id: int
    notification_id: int
    kind: str
    subject: str
    subscription: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime


@dataclass
class RunReport:
    detected: dict[str, int]
    delivery: DeliveryReport

    def as_dict(self) -> dict[str, Any]:
        return {"detected": self.detected, **self.delivery.as_dict()}


def shown_target(channel: str, target: str) -> str:
    if channel != ChannelKind.WEBHOOK.value:
        return target
    parts = urlsplit(target)
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{rest}"


def _view(r: Any) -> SubscriptionView:
    return SubscriptionView(
        r.id,
        r.name,
        r.channel,
        shown_target(r.channel, r.target),
        list(r.kinds or []),
        r.secret is not None,
        bool(r.active),
        r.created_at,
    )


def _checked_target(channel: ChannelKind, target: str) -> str:
    target = target.strip()
    if channel is ChannelKind.WEBHOOK:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidValue("target", shown_target("webhook", target), "not an http(s) URL")
        return target
    _name, address = parseaddr(target)
    if "@" not in address or any(c in target for c in "\r\n"):
        raise InvalidValue("target", target, "not an e-mail address")
    return address


def add_subscription(
    uow: UnitOfWork,
    box: SecretBox,
    name: str,
    channel: str,
    target: str,
    kinds: list[str],
    *,
    secret: str | None = None,
    actor: str,
    now: datetime,
) -> Added:
    """A new subscription; a webhook gets ``secret`` or a generated one (returned once)."""
    try:
        kind = ChannelKind(channel)
    except ValueError:
        raise InvalidValue("channel", channel, "must be webhook or email", record=name) from None
    checked = _checked_target(kind, target)
    wanted = [k.value for k in parse_kinds(kinds)]
    if kind is ChannelKind.WEBHOOK:
        secret = secret or secrets.token_urlsafe(32)
    elif secret:
        raise InvalidValue("secret", "***", "only webhooks are signed", record=name)
    s = notification_subscriptions.c
    with uow:
        assert uow.tenant_id is not None
        taken = uow.session.execute(
            select(s.id).where(s.tenant_id == uow.tenant_id, s.name == name)
        ).first()
        if taken is not None:
            raise AlreadyExists("notification subscription", name)
        sealed = box.seal({"secret": secret}) if secret else None
        sid = uow.session.execute(
            insert(notification_subscriptions)
            .values(
                tenant_id=uow.tenant_id,
                name=name,
                channel=kind.value,
                target=checked,
                kinds=wanted,
                secret=sealed,
                active=True,
                created_at=now,
            )
            .returning(s.id)
        ).scalar_one()
        after = {"channel": kind.value, "kinds": wanted, "signed": bool(secret)}
        audit.record(uow.session, uow.tenant_id, actor, "notify.add", f"subscription:{name}",
                     None, after)  # fmt: skip
        row = uow.session.execute(select(notification_subscriptions).where(s.id == sid)).one()
        uow.commit()
    return Added(_view(row), secret if kind is ChannelKind.WEBHOOK else None)


def list_subscriptions(uow: UnitOfWork) -> list[SubscriptionView]:
    s = notification_subscriptions.c
    with uow:
        found = uow.session.execute(
            select(notification_subscriptions).where(s.tenant_id == uow.tenant_id).order_by(s.name)
        )
        return [_view(r) for r in found]


def remove_subscription(uow: UnitOfWork, name: str, *, actor: str) -> None:
    """Its deliveries go with it (the log keeps the notifications themselves)."""
    s, d = notification_subscriptions.c, notification_deliveries.c
    with uow:
        assert uow.tenant_id is not None
        sid = uow.session.execute(
            select(s.id).where(s.tenant_id == uow.tenant_id, s.name == name)
        ).scalar_one_or_none()
        if sid is None:
            raise NotFound("notification subscription", name)
        uow.session.execute(delete(notification_deliveries).where(d.subscription_id == sid))
        uow.session.execute(delete(notification_subscriptions).where(s.id == sid))
        audit.record(uow.session, uow.tenant_id, actor, "notify.remove", f"subscription:{name}")
        uow.commit()


def _thresholds(uow: UnitOfWork, settings: Settings) -> Thresholds:
    c = notification_settings.c
    row = uow.session.execute(
        select(notification_settings).where(c.tenant_id == uow.tenant_id)
    ).first()

    def pick(value: int | None, default: int) -> int:
        return default if value is None else int(value)

    return Thresholds(
        pick(row.overdue_hours if row else None, settings.notify_overdue_hours),
        pick(row.error_threshold if row else None, settings.notify_error_threshold),
        pick(row.error_growth if row else None, settings.notify_error_growth),
    )


def thresholds(uow: UnitOfWork, settings: Settings) -> Thresholds:
    with uow:
        return _thresholds(uow, settings)


def update_thresholds(
    uow: UnitOfWork, settings: Settings, *, actor: str, **given: int | None
) -> Thresholds:
    """Set any of overdue_hours, error_threshold, error_growth (None leaves it)."""
    values = {k: v for k, v in given.items() if v is not None}
    for field, value in values.items():
        if field not in ("overdue_hours", "error_threshold", "error_growth"):
            raise InvalidValue(field, value, "not a notification setting")
        if value < 0 or value > 1_000_000:
            raise InvalidValue(field, value, "must be between 0 and 1000000")
    c = notification_settings.c
    with uow:
        assert uow.tenant_id is not None
        before = _thresholds(uow, settings)
        exists = uow.session.execute(
            select(c.tenant_id).where(c.tenant_id == uow.tenant_id)
        ).first()
        if exists is None:
            uow.session.execute(
                insert(notification_settings).values(tenant_id=uow.tenant_id, **values)
            )
        elif values:
            uow.session.execute(
                update(notification_settings).where(c.tenant_id == uow.tenant_id).values(**values)
            )
        after = _thresholds(uow, settings)
        audit.record(uow.session, uow.tenant_id, actor, "notify.settings", "notification_settings",
                     before.__dict__, after.__dict__)  # fmt: skip
        uow.commit()
        return after


def run(
    uow: UowFactory,
    settings: Settings,
    box: SecretBox,
    senders: Mapping[str, Sender],
    now: datetime,
) -> RunReport:
    """One tick for one tenant: detect (one transaction), then deliver what is due."""
    try:
        with uow() as work:
            assert work.tenant_id is not None
            detected = detect(work.session, work.tenant_id, _thresholds(work, settings), now)
            work.commit()
    except IntegrityError:
        # Another run of this tenant detected the same occurrences first (both found no
        # cursor yet, or the same overdue order): its rows stand, this one adds nothing.
        log.info("notifications: a concurrent run of tenant detected first")
        detected = {}
    report = deliver_due(uow, box, senders, RetryPolicy.from_settings(settings), now)
    return RunReport(detected, report)


def send_test(
    uow: UowFactory,
    settings: Settings,
    box: SecretBox,
    senders: Mapping[str, Sender],
    name: str,
    now: datetime,
) -> LogEntry:
    """A "test" notification to the one subscription named, attempted now; its log entry."""
    s = notification_subscriptions.c
    with uow() as work:
        assert work.tenant_id is not None
        sid = work.session.execute(
            select(s.id).where(s.tenant_id == work.tenant_id, s.name == name)
        ).scalar_one_or_none()
        if sid is None:
            raise NotFound("notification subscription", name)
        nid = rows.add_notification(
            work.session, work.tenant_id, Kind.TEST.value, uuid.uuid4().hex,
            f"Test notification to {name}", {"subscription": name}, now, [sid],
        )  # fmt: skip
        work.commit()
    # One attempt, of this delivery only: the test reports at once, and never retries.
    deliver_due(uow, box, senders, RetryPolicy(max_attempts=1), now, notification_id=nid)
    [entry] = delivery_log(uow(), limit=1, notification_id=nid)
    return entry


def delivery_log(
    uow: UnitOfWork,
    *,
    limit: int = 50,
    status: str | None = None,
    notification_id: int | None = None,
) -> list[LogEntry]:
    """Deliveries newest first."""
    if status is not None and status not in {v.value for v in DeliveryStatus}:
        known = ", ".join(v.value for v in DeliveryStatus)
        raise InvalidValue("status", status, f"not a delivery status (known: {known})")
    d, n, s = notification_deliveries.c, notifications.c, notification_subscriptions.c
    query = (
        select(notification_deliveries, n.kind, n.subject, s.name, s.channel)
        .join(notifications, n.id == d.notification_id)
        .join(notification_subscriptions, s.id == d.subscription_id)
        .order_by(d.id.desc())
        .limit(limit)
    )
    with uow:
        query = query.where(d.tenant_id == uow.tenant_id)
        if status is not None:
            query = query.where(d.status == status)
        if notification_id is not None:
            query = query.where(d.notification_id == notification_id)
        return [_entry(r) for r in uow.session.execute(query)]


def _entry(r: Any) -> LogEntry:
    return LogEntry(
        r.id,
        r.notification_id,
        r.kind,
        r.subject,
        r.name,
        r.channel,
        r.status,
        r.attempts,
        r.last_error,
        r.next_attempt_at,
        r.sent_at,
        r.created_at,
    )


@dataclass(frozen=True)
class Recent:
    id: int
    kind: str
    subject: str
    created_at: datetime
    deliveries: dict[str, int]  # status -> count


def recent(uow: UnitOfWork, limit: int = 100) -> list[Recent]:
    """The newest notifications with how their deliveries stand (the dashboard)."""
    n, d = notifications.c, notification_deliveries.c
    with uow:
        found = list(
            uow.session.execute(
                select(n.id, n.kind, n.subject, n.created_at)
                .where(n.tenant_id == uow.tenant_id)
                .order_by(n.id.desc())
                .limit(limit)
            )
        )
        counts: dict[int, dict[str, int]] = {}
        if found:
            for nid, status in uow.session.execute(
                select(d.notification_id, d.status).where(
                    d.notification_id.in_([r.id for r in found])
                )
            ):
                counts.setdefault(nid, {})
                counts[nid][status] = counts[nid].get(status, 0) + 1
        return [Recent(r.id, r.kind, r.subject, r.created_at, counts.get(r.id, {})) for r in found]


def run_every_tenant(
    uow: Callable[[int | None], UnitOfWork],
    settings: Settings,
    box: SecretBox,
    senders: Mapping[str, Sender],
    now: datetime,
) -> dict[str, int]:
    """The beat entry's work: one run per tenant; a tenant whose run fails (its database
    rows, a bug) is logged and the others still run. Totals over every tenant."""
    with uow(None) as work:
        tenant_ids = [int(i) for i in work.session.execute(select(t.tenants.c.id)).scalars()]
    totals = {"tenants": 0, "detected": 0, "sent": 0, "retrying": 0, "failed": 0}
    for tenant_id in tenant_ids:
        try:
            report = run(_bound(uow, tenant_id), settings, box, senders, now)
        except Exception:
            log.exception("notifications: the run of tenant %s failed", tenant_id)
            continue
        totals["tenants"] += 1
        totals["detected"] += sum(report.detected.values())
        for key, value in report.delivery.as_dict().items():
            totals[key] += value
    return totals


def _bound(uow: Callable[[int | None], UnitOfWork], tenant_id: int) -> UowFactory:
    return lambda: uow(tenant_id)
