"""Short, in-request retries. Long ones belong to the job layer (Celery backoff): the
toolkit gives up after a few attempts or when the platform asks for a long pause, and
raises a RetriableError the job layer knows how to schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from tenacity import RetryCallState
from tenacity.wait import wait_base, wait_exponential_jitter

from connectors.errors import RateLimited


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds ("2", "2.0") or an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class wait_retry_after(wait_base):
    """Wait what the platform asked for (RateLimited.retry_after); otherwise back off
    exponentially with jitter."""

    def __init__(self, fallback: wait_base | None = None) -> None:
        self.fallback = fallback or wait_exponential_jitter(multiplier=0.5, max=20.0)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc: Any = outcome.exception() if outcome is not None else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return float(exc.retry_after)
        return float(self.fallback(retry_state))
