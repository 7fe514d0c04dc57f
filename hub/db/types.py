"""Column types that keep the domain's promises on every database.

SQLite has no exact decimal type (it would hand amounts back as floats) and no
time zones, so both get a portable representation here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Dialect, Integer, Numeric, String
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

from hub.domain.money import Money
from hub.domain.orders import RefundLine, StatedTotals, refund_line_of

# Integer primary keys: BIGINT on PostgreSQL, INTEGER on SQLite (its rowid alias).
Id = BigInteger().with_variant(Integer(), "sqlite")


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(24, 6) on PostgreSQL; a canonical decimal string on SQLite."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, 6, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal takes Decimal, got {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware UTC datetimes; refuses naive input."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} refused; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its value in a short VARCHAR (portable, migration friendly)."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)


def _money_text(money: Money | None) -> str | None:
    return None if money is None else f"{money.amount} {money.currency}"


def _money_of_text(text: str | None) -> Money | None:
    if text is None:
        return None
    amount, currency = text.rsplit(" ", 1)
    return Money(Decimal(amount), currency)


class RefundLines(TypeDecorator[list[RefundLine]]):
    """A refund's lines as JSON (they are read and written only with their refund); money
    as exact "amount CUR" strings. Rows written before v2 ({"line", "quantity"}) still load."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if value is None:
            return []
        rows = []
        for item in value:
            line = item if isinstance(item, RefundLine) else refund_line_of(item)
            rows.append(
                {
                    "line": line.line_external_id,
                    "quantity": line.quantity,
                    "subtotal": _money_text(line.subtotal),
                    "tax": _money_text(line.tax),
                    "restock": line.restock,
                    "restock_location": line.restock_location,
                }
            )
        return rows

    def process_result_value(self, value: Any, dialect: Dialect) -> list[RefundLine]:
        return [
            RefundLine(
                line_external_id=row.get("line"),
                quantity=row.get("quantity", 0),
                subtotal=_money_of_text(row.get("subtotal")),
                tax=_money_of_text(row.get("tax")),
                restock=row.get("restock"),
                restock_location=row.get("restock_location"),
            )
            for row in value or []
        ]


class StatedTotalsJSON(TypeDecorator[StatedTotals]):
    """The platform's stated totals as JSON {"total": "12.30 USD", ...}; absent figures
    (not stated by the platform) are left out and load as None."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: StatedTotals | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return {k: _money_text(v) for k, v in value.figures().items() if v is not None}

    def process_result_value(self, value: Any, dialect: Dialect) -> StatedTotals | None:
        if value is None:
            return None
        return StatedTotals(**{k: _money_of_text(v) for k, v in value.items()})
