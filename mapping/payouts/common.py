"""What every payout mapper needs: money as the platforms write it, dates, refusals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, minor_units, parse_decimal

__all__ = ["day_of", "minor_money", "money_of", "need"]


def need(record: Mapping[str, Any], field: str, where: str) -> Any:
    value = record.get(field)
    if value is None or value == "":
        raise InvalidValue(field, None, "missing", where)
    return value


def money_of(value: Any, currency: Any, field: str, where: str) -> Money:
    """A decimal amount (string, int or Decimal: floats were parsed as Decimal)."""
    if not isinstance(currency, str) or len(currency) != 3:
        raise InvalidValue(f"{field}.currency", currency, "not an ISO 4217 code", where)
    try:
        return Money.of(parse_decimal(value, field), currency.upper(), field)
    except InvalidValue as exc:
        raise InvalidValue(field, value, exc.reason, where) from None


def minor_money(value: Any, currency: Any, field: str, where: str) -> Money:
    """An integer in the currency's smallest unit (Stripe: 1050 usd is 10.50 USD)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValue(field, value, "an integer in minor units", where)
    if not isinstance(currency, str):
        raise InvalidValue(f"{field}.currency", currency, "not an ISO 4217 code", where)
    code = currency.upper()
    return Money(Decimal(value).scaleb(-minor_units(code)), code).rounded()


def day_of(value: Any, field: str, where: str) -> date:
    """An ISO 8601 timestamp or date, or Unix seconds, as the UTC calendar day."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).date()
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(field, value, "not an ISO 8601 time", where) from None
        return parsed.astimezone(UTC).date() if parsed.tzinfo else parsed.date()
    raise InvalidValue(field, value, "missing or not a time", where)
