"""Check QuickBooks JSON shapes against Intuit's official XSDs in
../shared/specs/quickbooks (QBO JSON is the XML model with references as
{"value", "name"} and entity attributes as plain keys)."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
XSD = ROOT.parent / "shared" / "specs" / "quickbooks" / "IntuitRestServiceDef.xsd"
NS = {"": "http://schema.intuit.com/finance/v3"}
_ENTITY_ATTRIBUTES = {"domain", "sparse", "status"}


@functools.cache
def schema() -> Any:
    if not XSD.exists():
        pytest.skip(
            f"QuickBooks XSDs not found at {XSD} (../shared/specs is absent)",
            allow_module_level=True,
        )
    import xmlschema

    return xmlschema.XMLSchema(str(XSD))


def _convert(value: Any, top: bool = False) -> Any:
    if isinstance(value, dict):
        if "value" in value and set(value) <= {"value", "name", "type"}:
            ref = {"$": str(value["value"])}
            ref.update({f"@{k}": v for k, v in value.items() if k != "value"})
            return ref
        return {
            (f"@{k}" if top and k in _ENTITY_ATTRIBUTES else k): _convert(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return str(value)
    return value


def check_entity(name: str, entity: dict[str, Any]) -> None:
    """Encode `entity` as the XSD element `name`: raises on any unknown element, wrong
    type or bad enumeration value."""
    schema().elements[name].encode(_convert(entity, top=True), unordered=True, namespaces=NS)
