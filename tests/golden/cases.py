"""Golden cases: orders built from the platforms' own documentation examples and source
code, each with the facts the unified order must carry.

A case is one JSON file under tests/golden/<platform>/:

    {
      "source": "where the payload comes from (doc URL + section, or repo/path@commit)",
      "notes": "what the case covers and any choice the docs leave open",
      "path": "webhook" | "pull" | "graphql" | ...,   # how the connector receives it
      "payload": {...},                              # the platform's record, as sent
      "expected": {...},                             # facts, in the unified order's vocabulary
      "http": {"<path>": <body>, ...}                # optional: other answers the connector
    }                                                # reads for this record (Woo refunds)

`expected` is partial: only the keys it names are checked. Keys are attribute names of
the unified order (and of its lines, refunds, ...); a list is compared element by element
and must have the same length; Money is written "12.34 USD"; a Decimal as a string;
an enum by its value; null means the fact is unknown (None), never 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent

__all__ = ["GoldenCase", "load", "mismatches"]


@dataclass(frozen=True)
class GoldenCase:
    platform: str
    name: str
    source: str
    path: str
    payload: Any
    expected: dict[str, Any]
    notes: str = ""
    # Optional (added later, defaults to none): other API answers the connector reads for
    # this record, by path relative to the API root, e.g. "orders/723/refunds".
    http: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.platform}/{self.name}"


def load(platform: str) -> list[GoldenCase]:
    cases = []
    for file in sorted((ROOT / platform).glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        if not data.get("source"):
            raise ValueError(f"{file}: every golden case cites its source")
        cases.append(
            GoldenCase(
                platform=platform,
                name=file.stem,
                source=data["source"],
                path=data.get("path", "webhook"),
                payload=data["payload"],
                expected=data["expected"],
                notes=data.get("notes", ""),
                http=data.get("http", {}),
            )
        )
    return cases


def _render(value: Any) -> Any:
    """Our value in the JSON vocabulary of `expected`."""
    amount = getattr(value, "amount", None)
    currency = getattr(value, "currency", None)
    if isinstance(amount, Decimal) and isinstance(currency, str):
        return f"{amount} {currency}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj[key]
    return getattr(obj, key)


def _same(ours: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(ours, str) and " " in want and " " in ours:
        # Money: compare amounts numerically ("5.0 USD" == "5.00 USD").
        (a, ca), (b, cb) = ours.rsplit(" ", 1), want.rsplit(" ", 1)
        try:
            return ca == cb and Decimal(a) == Decimal(b)
        except ArithmeticError:
            return ours == want
    if isinstance(want, str) and isinstance(ours, str):
        try:
            return Decimal(ours) == Decimal(want)
        except ArithmeticError:
            return ours == want
    return bool(ours == want)


def mismatches(obj: Any, expected: Any, where: str = "order") -> list[str]:
    """Every expected fact the object does not carry, as 'path: ours != expected'."""
    if isinstance(expected, dict):
        found: list[str] = []
        for key, want in expected.items():
            try:
                ours = _get(obj, key)
            except (AttributeError, KeyError):
                found.append(f"{where}.{key}: missing")
                continue
            found += mismatches(ours, want, f"{where}.{key}")
        return found
    if isinstance(expected, list):
        items = list(obj) if obj is not None else []
        if len(items) != len(expected):
            return [f"{where}: {len(items)} items != {len(expected)} expected"]
        found = []
        for i, (ours, want) in enumerate(zip(items, expected, strict=True)):
            found += mismatches(ours, want, f"{where}[{i}]")
        return found
    ours = _render(obj)
    if expected is None:
        return [] if ours is None else [f"{where}: {ours!r} != None (unknown)"]
    return [] if _same(ours, expected) else [f"{where}: {ours!r} != {expected!r}"]
