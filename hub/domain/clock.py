"""Time in the hub is timezone-aware UTC; naive datetimes are refused at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain.errors import InvalidValue


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime, field: str = "time") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, value.isoformat(), "must be timezone-aware")
    return value.astimezone(UTC)


def readable(moment: datetime) -> str:
    """A time as an operator reads it in a table: UTC, to the second, with its zone."""
    return ensure_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")
