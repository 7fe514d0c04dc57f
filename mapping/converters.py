"""Converters for `direct()` rules: platform values in, typed hub values out.

Each takes (raw value, Context) and raises InvalidValue on what it cannot accept; the
mapper adds the record's name and the source field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, minor_units, parse_decimal
from mapping.mapper import Context

__all__ = [
    "boolean",
    "currency_code",
    "decimal",
    "integer",
    "money",
    "optional_text",
    "text",
    "utc_datetime",
]


def text(value: Any, context: Context) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue("value", value, "must be text")
    return str(value)


def optional_text(value: Any, context: Context) -> str | None:
    """Empty strings become None: platforms send "" for 'not set'."""
    result = text(value, context)
    return result or None


def integer(value: Any, context: Context) -> int:
    if isinstance(value, bool):
        raise InvalidValue("value", value, "must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InvalidValue("value", value, "must be a whole number")


def decimal(value: Any, context: Context) -> Decimal:
    return parse_decimal(value, "value")


def money(value: Any, context: Context) -> Money:
    """An amount in the context's currency (set by the parent record)."""
    if context.currency is None:
        raise InvalidValue("currency", None, "unknown: the record gives no currency")
    return Money.of(value, context.currency, field="value")


def currency_code(value: Any, context: Context) -> str:
    code = text(value, context).upper()
    minor_units(code)
    return code


def boolean(value: Any, context: Context) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1, "yes"):
        return True
    if value in ("false", "0", 0, "no", ""):
        return False
    raise InvalidValue("value", value, "must be true or false")


def utc_datetime(value: Any, context: Context) -> datetime:
    """ISO 8601; a value without offset is read as UTC (use it only on *_gmt/UTC fields)."""
    if not isinstance(value, str):
        raise InvalidValue("value", value, "must be an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue("value", value, "must be an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
