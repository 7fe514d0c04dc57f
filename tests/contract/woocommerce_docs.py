"""Examples from the official WooCommerce REST API docs (../shared/specs/woocommerce),
read in place so mocks stay exactly the documented shape."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "woocommerce"


@cache
def _json_example(doc: str, section: str) -> Any:
    path = SPECS / doc
    if not path.exists():
        pytest.skip(f"WooCommerce docs not found at {path} (../shared is absent)")
    text = path.read_text()
    start = text.index(f"## {section} ##")
    block = re.compile(r"```json\n(.*?)\n```", re.S).search(text, start)
    assert block is not None, f"no JSON example under {section!r} in {doc}"
    return json.loads(block.group(1))


def documented_orders() -> list[dict[str, Any]]:
    """The `GET /orders` response example: a list of orders."""
    return copy.deepcopy(_json_example("_orders.md", "List all orders"))


def documented_batch_response() -> dict[str, Any]:
    """The `POST /products/batch` response example ({create, update, delete})."""
    return copy.deepcopy(_json_example("_products.md", "Batch update products"))


def order(n: int, modified_gmt: str = "2025-01-02T10:00:00") -> dict[str, Any]:
    """The documented order, renumbered: id/number n, modified at ``modified_gmt``."""
    base = documented_orders()[0]
    base.update(id=n, number=str(n), date_modified_gmt=modified_gmt)
    return base
