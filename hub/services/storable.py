"""What the database can hold, checked on a mapped order before it is stored: a string
with a NUL (PostgreSQL text refuses it) or a lone surrogate (JSON's "\\ud800" escape
parses to one; it is not Unicode text, so no driver can encode it), an integer beyond
64 bits, an amount beyond the numeric columns or a text longer than its column (only
PostgreSQL enforces the length) would fail the write with a database error that names
no field. Refused here instead, naming the unified order's field."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, inspect

from hub.domain.errors import InvalidValue

__all__ = ["check_storable"]

MAX_INTEGER = 2**63 - 1  # BIGINT
MAX_NUMERIC = Decimal(10) ** 18  # Numeric(24, 6): 18 digits before the point


def check_storable(value: Any, where: str = "order", *, in_json: bool = False) -> None:
    """Raise InvalidValue naming the first field of ``value`` the database cannot hold.
    Inside a JSON document (a dict: the line's raw record) any integer is fine."""
    if isinstance(value, str):
        _text(value, where)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if in_json:
            return
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise InvalidValue(where, value, "out of range (a 64-bit integer)")
    elif isinstance(value, Decimal):
        if value.is_finite() and abs(value) >= MAX_NUMERIC:
            raise InvalidValue(where, value, "out of range")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        columns = _columns(type(value))
        for field in dataclasses.fields(value):
            item, name = getattr(value, field.name), f"{where}.{field.name}"
            check_storable(item, name)
            if field.name not in columns:
                continue
            limit, is_json = columns[field.name]
            if isinstance(item, list | dict) and not is_json:  # a mapper passed it through
                raise InvalidValue(name, type(item).__name__, "must be a single value")
            if isinstance(item, str) and limit is not None and len(item) > limit:
                raise InvalidValue(name, _shown(item), f"longer than {limit} characters")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            check_storable(item, f"{where}[{n}]", in_json=in_json)
    elif isinstance(value, dict):
        if not in_json and _clean_json(value):
            return
        for key, item in value.items():
            check_storable(key, f"{where} (a key)", in_json=True)
            check_storable(item, f"{where}.{key}", in_json=True)


_COLUMNS: dict[type, dict[str, tuple[int | None, bool]]] = {}


def _columns(cls: type) -> dict[str, tuple[int | None, bool]]:
    """Attribute -> (text length, whether JSON) of the column the ORM maps it to (none
    while the class is not mapped: then nothing is written either)."""
    if cls in _COLUMNS:
        return _COLUMNS[cls]
    mapper: Any = inspect(cls, raiseerr=False)
    if mapper is None:
        return {}
    found: dict[str, tuple[int | None, bool]] = {}
    for prop in mapper.column_attrs:
        kind = prop.columns[0].type
        length = getattr(kind, "length", None)
        found[prop.key] = (length if isinstance(length, int) else None, _is_json(kind))
    _COLUMNS[cls] = found
    return found


def _is_json(kind: Any) -> bool:
    return isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON)


def _clean_json(value: dict[Any, Any]) -> bool:
    """True when a JSON document certainly holds nothing the database refuses: one pass
    in C instead of a Python call per node (a raw line record has a couple of hundred).
    False says nothing: the walk then finds and names the field, if there is one."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # a Decimal, a dataclass: the walk judges those
        return False
    if "\\u0000" in text:  # how dumps writes a NUL (or a backslash-u0000 text: walk)
        return False
    try:
        text.encode("utf-8")  # a lone surrogate is written as itself and fails here
    except UnicodeEncodeError:
        return False
    return True


def _text(value: str, where: str) -> None:
    if "\x00" in value:
        raise InvalidValue(where, _shown(value), "contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(where, _shown(value), "contains a lone surrogate: not text") from None


def _shown(value: str) -> str:
    return value[:60].encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")
