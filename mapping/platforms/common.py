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

__all__ = ["child_label", "money_at", "naming", "objects", "rate_of", "spread_discount"]


def money_at(record: Record, dotted: str, currency: str, default: Any = "0") -> Money:
    """The amount at ``dotted``, rounded to ``currency``. For platforms whose money fields
    arrive as strings *or* JSON numbers (WooCommerce ``price``, Medusa, eBay): a number
    decoded as float is read through its shortest repr, which gives back the digits the
    platform wrote (12.5 -> "12.5"), never the binary approximation."""
    raw = path(record, dotted, default)
    if isinstance(raw, float):
        raw = repr(raw)
    return Money.of(default if raw is None or raw == "" else raw, currency, field=dotted)


def rate_of(value: Any, field: str = "rate") -> Decimal:
    """A tax *rate* (not money): platforms send JSON floats (Shopify ``rate``), which are
    read through their shortest repr, e.g. 0.19 -> Decimal("0.19")."""
    if isinstance(value, float):
        return Decimal(repr(value))
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


@contextmanager
def naming(label: str) -> Iterator[None]:
    """Errors raised inside name ``label`` as their record when they name none."""
    try:
        yield
    except InvalidValue as exc:
        if exc.record:
            raise
        raise InvalidValue(exc.field, exc.value, exc.reason, record=label) from None


def child_label(context: Any, kind: str, record: Any) -> str:
    """'<order> <kind> <id>' for a line of an order, safe on a record that is not even an
    object (the mapper then refuses it by this name)."""
    order = context.extra.get("order", f"{context.platform} order ?")
    found = record.get("id", "?") if isinstance(record, Mapping) else "?"
    return f"{order} {kind} {found}"
