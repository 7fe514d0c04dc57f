"""JSON bodies with exact amounts: Decimals are written as JSON numbers digit for digit
(never through float), and numbers read back are parsed as Decimal."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "loads"]

_MARK = re.compile(r'"\\u0000dec:([-0-9.E+]+)"')


def _mark(value: object) -> str:
    if isinstance(value, Decimal):
        return f"\u0000dec:{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(body: Any) -> str:
    return _MARK.sub(r"\1", json.dumps(body, default=_mark))


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)
