"""Check requests and mocked responses against Xero's official OpenAPI document in
../shared/specs/xero (skipped, saying why, only when that folder is absent)."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "specs" / "xero" / "xero_accounting.yaml"
SERVER = "https://api.xero.com/api.xro/2.0"


@functools.cache
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(
            f"Xero OpenAPI spec not found at {SPEC} (../shared/specs is absent)",
            allow_module_level=True,
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open() as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=loader)
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operation(method: str, path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    for template, item in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            operation = item[method.lower()]
            params = [
                _resolve(p) for p in item.get("parameters", []) + operation.get("parameters", [])
            ]
            return operation, params
    raise AssertionError(f"{method} {path} is not an operation of the Xero Accounting API")


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec()["components"]}
    return Draft202012Validator(schema)


def validate_schema(name: str, instance: Any) -> None:
    """`instance` must satisfy components/schemas/`name` (Decimals count as numbers)."""
    errors = sorted(_validator(name).iter_errors(instance), key=str)
    assert not errors, f"{name}: " + "; ".join(e.message for e in errors[:5])


def check_request(method: str, url: str, headers: Any, body: Any) -> None:
    """Path and method exist; every query parameter is declared; required headers are
    sent; the JSON body satisfies the operation's request schema."""
    assert url.startswith(SERVER), url
    parts = urlsplit(url)
    operation, params = _operation(method, parts.path[len(urlsplit(SERVER).path) :])
    declared = {p["name"] for p in params if p["in"] == "query"}
    for name, _ in parse_qsl(parts.query):
        assert name in declared, f"query parameter {name!r} is not declared for {method} {url}"
    for p in params:
        if p["in"] == "header" and p.get("required"):
            assert p["name"] in headers, f"required header {p['name']} missing"
    header_names = {p["name"].lower() for p in params if p["in"] == "header"}
    for name in ("idempotency-key", "if-modified-since"):
        if name in {h.lower() for h in headers}:
            assert name in header_names, f"{name} is not a header of {method} {url}"
    if body is not None:
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        validate_schema(ref.rsplit("/", 1)[1], body)


def response_schema(method: str, path: str) -> str:
    operation, _ = _operation(method, path)
    ref: str = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def number(value: str) -> Decimal:
    return Decimal(value)
