"""Notifications as plain data: what kinds exist, how a webhook body is signed, how long a
failed delivery waits before the next attempt, and the error-queue growth rule.

The signature scheme (docs/notifications.md) follows GitHub's ``X-Hub-Signature-256``:
``sha256=`` + hex HMAC-SHA256 of the raw request body under the subscription's secret.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import InvalidValue

__all__ = [
    "SIGNATURE_HEADER",
    "ChannelKind",
    "DeliveryStatus",
    "ErrorQueueCheck",
    "Kind",
    "backoff_seconds",
    "check_error_queue",
    "parse_kinds",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-Hub-Signature-256"


class Kind(StrEnum):
    STOCK_LOW = "stock.low"
    NEAR_EXPIRY = "lot.near_expiry"
    ORDER_OVERDUE = "order.overdue"
    TOTALS_MISMATCH = "totals.mismatch"
    ERRORS_GROWING = "errors.growing"
    TEST = "test"  # `hub notify test`: only to the subscription named


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # never attempted
    RETRYING = "retrying"  # failed, next attempt at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


def parse_kinds(values: list[str]) -> list[Kind]:
    """Subscription kinds from operator input; empty means every kind."""
    kinds = []
    for value in values:
        try:
            kinds.append(Kind(value.strip()))
        except ValueError:
            known = ", ".join(k.value for k in Kind if k is not Kind.TEST)
            raise InvalidValue("kinds", value, f"unknown kind (known: {known})") from None
    return sorted(set(kinds))


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def backoff_seconds(attempts: int, base: int, cap: int) -> int:
    """Wait after the ``attempts``-th failure: base, 2x base, 4x base, ... never above cap."""
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class ErrorQueueCheck:
    """The error-queue watch between two checks: whether it is above the threshold, the
    low-water mark growth is measured from, and how many notices it has given."""

    above: bool = False
    baseline: int | None = None
    notices: int = 0


def check_error_queue(
    state: ErrorQueueCheck, count: int, threshold: int, growth: int
) -> tuple[ErrorQueueCheck, list[str]]:
    """The next state and the reasons to notify now (none, one or both).

    Above the threshold notifies once when it is crossed, and again only after the queue
    fell back to or below it. Growth notifies when the queue grew by ``growth`` since
    its lowest point after the last growth notice (0 turns either rule off)."""
    reasons = []
    above = threshold > 0 and count > threshold
    if above and not state.above:
        reasons.append(f"{count} open errors, above the threshold of {threshold}")
    baseline = count if state.baseline is None else min(state.baseline, count)
    if growth > 0 and count - baseline >= growth:
        reasons.append(f"{count} open errors, grown by {count - baseline} (limit {growth})")
        baseline = count
    return ErrorQueueCheck(above, baseline, state.notices + len(reasons)), reasons
