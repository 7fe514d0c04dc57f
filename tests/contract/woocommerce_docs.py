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
        pytest.skip(
            f"WooCommerce docs not found at {path} (../shared is absent)", allow_module_level=True
        )
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


@cache
def route_args(route: str, method: str) -> dict[str, Any]:
    """Arguments of one route from the wc/v3 route index (an older store's index)."""
    path = SPECS / "wc-v3-route-index.derived.json"
    if not path.exists():
        pytest.skip(
            f"WooCommerce route index not found at {path} (../shared is absent)",
            allow_module_level=True,
        )
    endpoints = json.loads(path.read_text())["routes"][route]["endpoints"]
    for endpoint in endpoints:
        if method in endpoint["methods"]:
            return dict(endpoint["args"])
    raise AssertionError(f"{route} has no {method} endpoint in the route index")


def documented_parameters(doc: str, section: str) -> set[str]:
    """Parameter names in the "Available parameters" table under ``section``."""
    text = (SPECS / doc).read_text()
    start = text.index(f"## {section} ##")
    end = text.find("\n## ", start + 1)
    return set(re.findall(r"^\| `([a-z_]+)`", text[start:end], re.M))


def documented_refunds() -> list[dict[str, Any]]:
    """The `GET /orders/<id>/refunds` response example (order 723's two refunds)."""
    return copy.deepcopy(_json_example("_order-refunds.md", "List all refunds"))


def documented_order_with_refunds() -> dict[str, Any]:
    """Order 723 of the list example: the one with a refund summary."""
    return next(o for o in documented_orders() if o["refunds"])
