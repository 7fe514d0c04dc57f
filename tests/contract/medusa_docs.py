"""Medusa's Admin OpenAPI (v2.0.0, ../shared/specs/medusa) and an orders page recorded
from the real 2.21.2 peer (tests/contract/data). Responses are field-selected
(``fields=``), so objects are checked with ``required`` dropped and nulls allowed: every
property present must still have the documented type and enum values."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

SPEC = (
    Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "medusa" / "openapi.full.yaml"
)
RECORDED = Path(__file__).parent / "data" / "medusa_orders_page.json"


@cache
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(
            f"Medusa OpenAPI document not found at {SPEC} (../shared is absent)",
            allow_module_level=True,
        )
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return loaded


def _optional(node: Any) -> Any:
    """Drop ``required`` and let scalars be null (the 2.0 document marks no nullables,
    the server sends null for every unset field)."""
    if isinstance(node, dict):
        found = {k: _optional(v) for k, v in node.items() if k != "required"}
        if isinstance(found.get("type"), str):
            found["type"] = [found["type"], "null"]
            if "enum" in found:
                found["enum"] = [*found["enum"], None]
        return found
    if isinstance(node, list):
        return [_optional(v) for v in node]
    return node


def check(schema_name: str, value: Any, *, selected: bool = True) -> None:
    components = spec()["components"]
    if selected:
        components = _optional(components)
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    jsonschema.validate(value, schema, cls=jsonschema.Draft7Validator)


def request_schema(path: str) -> dict[str, Any]:
    body = spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return {**body, "components": spec()["components"]}


def order(n: int = 1, **extra: Any) -> dict[str, Any]:
    """Order 1 as the real server sent it, renumbered."""
    recorded = json.loads(RECORDED.read_text())["orders"][0]
    found: dict[str, Any] = copy.deepcopy(recorded)
    found.update(id=f"order_{n:026d}", display_id=n)
    found.update(extra)
    return found
