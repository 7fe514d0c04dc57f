"""Small pieces every platform mapper needs: money at a path, and spreading an
order-level discount over the lines so each line carries its net.

The rule all platform mappers follow: a line's ``discount`` is everything taken off
that line (its own discounts plus its share of order-level ones); ``Order.discounts``
name the codes and carry only what no line carries (usually zero), so the books never
count a discount twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, parse_decimal
from hub.domain.orders import OrderLine
from mapping.mapper import Record, path

__all__ = [
    "UNIT_PRICE_EXPONENT",
    "child_label",
    "money_at",
    "money_object",
    "object_at",
    "objects",
    "rate_of",
    "record_errors",
    "sku_at",
    "spread_discount",
    "unit_price",
    "whole",
]


def money_at(record: Record, dotted: str, currency: str, default: Any = "0") -> Money:
    """The amount at ``dotted``, rounded to ``currency``. For platforms whose money fields
    arrive as strings *or* JSON numbers (WooCommerce ``price``, Medusa, eBay): a number
    decoded as float is read through its shortest repr, which gives back the digits the
    platform wrote (12.5 -> "12.5"), never the binary approximation."""
    raw = path(record, dotted, default)
    if isinstance(raw, float):
        raw = repr(raw)
    return Money.of(default if raw is None or raw == "" else raw, currency, field=dotted)


# The scale the hub's money columns keep (Numeric(24, 6)).
UNIT_PRICE_EXPONENT = Decimal("0.000001")


def unit_price(line_total: Money, quantity: int) -> Money:
    """The unit price of a line whose platform states the price of all its units (Amazon
    ItemPrice, eBay lineItemCost): kept to six decimals, not rounded to the currency, so
    unit x quantity rounds back to the stated line price (10.00 for 3 units is 3.333333,
    and the line is 10.00, never 3 x 3.33 = 9.99)."""
    if not quantity:
        return line_total
    return Money((line_total.amount / quantity).quantize(UNIT_PRICE_EXPONENT), line_total.currency)


def rate_of(value: Any, field: str = "rate") -> Decimal:
    """A tax *rate* (not money): platforms send JSON floats (Shopify ``rate``), which are
    read through their shortest repr, e.g. 0.19 -> Decimal("0.19")."""
    if isinstance(value, float):
        return parse_decimal(repr(value), field)
    return parse_decimal(value if value is not None else "0", field)


def spread_discount(amount: Money, lines: Sequence[OrderLine]) -> None:
    """Add ``amount`` to the lines' discounts in proportion to what each line still costs,
    to the minor unit (Money.allocate: the parts always add up to ``amount``)."""
    if not amount.amount:
        return
    weights = [
        (line.subtotal - (line.discount or Money.zero(amount.currency))).amount for line in lines
    ]
    if not lines or sum(weights) <= 0:
        raise InvalidValue("discount", str(amount), "has no line to be spread over")
    for line, share in zip(lines, amount.allocate(weights), strict=True):
        line.discount = (line.discount or Money.zero(amount.currency)) + share


def objects(record: Record, key: str) -> list[Mapping[str, Any]]:
    """The list of objects at ``key`` (absent or null: none; a GraphQL connection: its
    nodes). Anything else is refused naming the field, never a crash further on."""
    value = record.get(key) if isinstance(record, Mapping) else None
    if isinstance(value, Mapping) and "nodes" in value:
        value = value["nodes"]
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidValue(key, type(value).__name__, "must be a list of objects")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise InvalidValue(f"{key}[{i}]", type(item).__name__, "must be an object")
    return value


def sku_at(record: Record, key: str = "sku") -> str | None:
    """The SKU at ``key`` as text ("" or absent: none); a number is its digits; anything
    else is refused naming the field."""
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue(key, type(value).__name__, "must be text")
    return str(value)


def object_at(value: Any, field: str) -> Mapping[str, Any]:
    """``value`` as an object (absent or null: an empty one); anything else is refused
    naming ``field``, never an AttributeError further on."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValue(field, type(value).__name__, "must be an object")
    return value


@contextmanager
def record_errors(label: str) -> Iterator[None]:
    """Every failure while mapping one platform record names that record (the order), and
    a malformed shape the mapper did not foresee is still a clear InvalidValue, never a
    bare TypeError/AttributeError that would leave the record without a reason."""
    try:
        yield
    except InvalidValue as exc:
        if exc.record:
            raise
        raise InvalidValue(exc.field, exc.value, exc.reason, record=label) from None
    except KeyError as exc:
        field = str(exc.args[0]) if exc.args else "?"
        raise InvalidValue(field, None, "is required", record=label) from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise InvalidValue("record", type(exc).__name__, f"is malformed: {exc}", label) from None


def money_object(
    record: Record, key: str, currency: str, amount_key: str, currency_key: str
) -> Money | None:
    """Money given as an object at ``key`` (dotted; Amazon {CurrencyCode, Amount}, eBay
    {value, currency}): None when absent; an error naming the field when it (or what holds
    it) is not an object or names another currency than the order's."""
    found: Any = record
    walked: list[str] = []
    for part in key.split("."):
        if not isinstance(found, Mapping):
            where = ".".join(walked) or f"{key} (what holds it)"
            raise InvalidValue(where, type(found).__name__, "must be an object")
        found = found.get(part)
        walked.append(part)
        if found is None:
            return None
    if not isinstance(found, Mapping):
        raise InvalidValue(key, type(found).__name__, "must be an object")
    stated = found.get(currency_key)
    if stated is not None and str(stated).upper() != currency:
        raise InvalidValue(f"{key}.{currency_key}", stated, f"is not the order's {currency}")
    return money_at(record, f"{key}.{amount_key}", currency)


def whole(value: Any, field: str) -> int:
    """A count the platform sends as a JSON integer (a quantity)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, value, "must be a whole number")
    return value


def child_label(context: Any, kind: str, record: Any) -> str:
    """'<order> <kind> <id>' for a line of an order, safe on a record that is not even an
    object (the mapper then refuses it by this name)."""
    order = context.extra.get("order", f"{context.platform} order ?")
    found = record.get("id", "?") if isinstance(record, Mapping) else "?"
    return f"{order} {kind} {found}"
