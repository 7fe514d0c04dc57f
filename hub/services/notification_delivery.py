"""Delivery: claim what is due (one short transaction), send outside any transaction,
record each outcome (one short transaction per delivery). A failure waits a bounded,
doubling backoff; after the last attempt the delivery is marked failed and stays in the
log. A worker that dies between sending and recording leaves the claim's lease to run
out, and the delivery is sent again: at least once, with ``X-Hub-Delivery`` (the same id
on every attempt) for the receiver to drop a repeat."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from hub.config import Settings
from hub.crypto import CredentialsUnreadable, SecretBox
from hub.db import notification_rows as rows
from hub.db.tables_notifications import notification_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.notifications import DeliveryStatus, backoff_seconds
from hub.services.notification_senders import DeliveryFailed, Message, Sender

__all__ = ["DeliveryReport", "RetryPolicy", "deliver_due", "message_for"]

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # longer than any one send may take (timeouts are seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_s: int = 60
    backoff_max_s: int = 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            settings.notify_max_attempts, settings.notify_backoff_s, settings.notify_backoff_max_s
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed}


def message_for(row: Any, tenant_id: int, secret: str | None) -> Message:
    """The webhook body (the exact bytes that are signed) and the e-mail text."""
    document = {
        "id": row.notification_id,
        "delivery_id": row.id,
        "tenant_id": tenant_id,
        "kind": row.kind,
        "subject": row.subject,
        "created_at": row.created_at.isoformat(),
        "data": row.payload,
    }
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()
    details = "\n".join(f"{k}: {v}" for k, v in sorted(dict(row.payload).items()))
    text = f"{row.subject}\n\n{details}\n\n(notification {row.notification_id}, {row.kind})\n"
    # One line: an order number or SKU code from a platform must not break a mail header.
    subject = " ".join(str(row.subject).split())
    return Message(row.id, row.kind, subject, text, body, row.target, secret)


def deliver_due(
    uow: Callable[[], UnitOfWork],
    box: SecretBox,
    senders: Mapping[str, Sender],
    policy: RetryPolicy,
    now: datetime,
    limit: int = 100,
    notification_id: int | None = None,
) -> DeliveryReport:
    with uow() as claim:
        assert claim.tenant_id is not None
        tenant_id = claim.tenant_id
        due = rows.claim_due(claim.session, tenant_id, now, now + LEASE, limit, notification_id)
        claim.commit()
    report = DeliveryReport()
    for row in due:
        error = _send(row, tenant_id, box, senders)
        status = _record(uow, row, error, policy, now)
        if status is DeliveryStatus.SENT:
            report.sent += 1
        elif status is DeliveryStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
    return report


def _send(row: Any, tenant_id: int, box: SecretBox, senders: Mapping[str, Sender]) -> str | None:
    """None when the receiver took it, else why not (no URL, no secret in it)."""
    try:
        secret = None
        if row.secret:
            secret = str(box.open(row.secret, f"notification subscription {row.name}")["secret"])
        sender = senders.get(row.channel)
        if sender is None:
            return f"no sender for channel {row.channel!r}"
        sender.send(message_for(row, tenant_id, secret))
    except (DeliveryFailed, CredentialsUnreadable) as exc:
        return str(exc)
    except Exception as exc:
        # Whatever else a sender raises is a failed attempt too (bounded like the rest),
        # never a stuck claim; its message may quote the URL, so only its type is kept.
        log.error("notification delivery %s: %s", row.id, type(exc).__name__)
        return f"unexpected {type(exc).__name__}"
    return None


def _record(
    uow: Callable[[], UnitOfWork], row: Any, error: str | None, policy: RetryPolicy, now: datetime
) -> DeliveryStatus:
    attempts = row.attempts + 1
    values: dict[str, Any] = {"attempts": attempts}
    if error is None:
        status = DeliveryStatus.SENT
        values.update(sent_at=now, last_error=None, next_attempt_at=now)
    elif attempts >= policy.max_attempts:
        status = DeliveryStatus.FAILED
        gave_up = f"{error} (gave up after {attempts} attempts)"
        values.update(last_error=gave_up, next_attempt_at=now)
    else:
        status = DeliveryStatus.RETRYING
        wait = backoff_seconds(attempts, policy.backoff_s, policy.backoff_max_s)
        values.update(last_error=error, next_attempt_at=now + timedelta(seconds=wait))
    d = notification_deliveries.c
    with uow() as record:
        record.session.execute(
            update(notification_deliveries)
            .where(d.id == row.id)
            .values(status=status.value, **values)
        )
        record.commit()
    return status
