"""Refuse at the edge what the database cannot store, naming the field: a 4xx, never the
500 the database error would become.

- An integer parameter (path or query, as the route declares it) or JSON body number
  outside the signed 64-bit range: PostgreSQL's BIGINT and SQLite's INTEGER both stop
  there (PostgreSQL answered `bigint out of range` / `integer out of range`, a 500).
- A NUL character in a path or query parameter or a JSON/form body string: PostgreSQL
  text cannot hold one (the driver refuses it, a 500); no legitimate value carries one.
- A JSON number that is not finite (`1e400` parses as infinity).

Webhooks are not guarded here: their bodies are the platform's, archived raw and judged
record by record (a bad record goes to the error queue, the delivery is still taken).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request

from hub.api.v1.problems import Problem

__all__ = ["MAX_DB_INT", "MIN_DB_INT", "refuse_unstorable", "refuse_unstorable_parameters"]

MAX_DB_INT = 2**63 - 1
MIN_DB_INT = -(2**63)


async def refuse_unstorable(request: Request) -> None:
    """A route dependency: 422 with ``errors: [{field, reason}]`` like FastAPI's own."""
    errors = list(_parameter_errors(request))
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if errors or request.method not in ("POST", "PUT", "PATCH"):
        pass
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # FastAPI parsed the form already (the stream is spent): ask the request for it.
        form = await request.form()
        errors = [
            {"field": f"body.{name}", "reason": "contains a NUL character"}
            for name, value in form.multi_items()
            if isinstance(value, str) and "\x00" in value + name
        ]
    elif kind.endswith("json"):
        errors = list(_json_errors(await request.body()))
    if errors:
        raise Problem(422, "the request is not valid", errors=errors[:20])


async def refuse_unstorable_parameters(request: Request) -> None:
    """The same for path and query only (webhooks: the body is the platform's)."""
    errors = list(_parameter_errors(request))
    if errors:
        raise Problem(422, "the request is not valid", errors=errors[:20])


def _parameter_errors(request: Request) -> Iterator[dict[str, str]]:
    ints = _int_parameters(getattr(request.scope.get("route"), "dependant", None))
    for where, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            text = str(value)
            if "\x00" in text:
                yield {"field": f"{where}.{name}", "reason": "contains a NUL character"}
            elif name in ints and not _fits(text):
                yield {"field": f"{where}.{name}", "reason": "outside the 64-bit integer range"}


def _fits(text: str) -> bool:
    try:
        value = int(text)
    except ValueError:
        return True  # not an integer at all: FastAPI's own validation says so
    return MIN_DB_INT <= value <= MAX_DB_INT


def _int_parameters(dependant: Any) -> set[str]:
    """Names of the path and query parameters the route (or its dependencies) types int."""
    if dependant is None:
        return set()
    names: set[str] = set()
    for field in [*dependant.path_params, *dependant.query_params]:
        annotation = getattr(getattr(field, "field_info", None), "annotation", None)
        if annotation is int or (
            get_origin(annotation) in (Union, UnionType) and int in get_args(annotation)
        ):
            names.add(getattr(field, "alias", None) or field.name)
    for sub in dependant.dependencies:
        names |= _int_parameters(sub)
    return names


def _json_errors(body: bytes) -> Iterator[dict[str, str]]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # FastAPI answers malformed JSON itself
    yield from _walk(document, "body")


def _walk(value: Any, path: str) -> Iterator[dict[str, str]]:
    if isinstance(value, str):
        if "\x00" in value:
            yield {"field": path, "reason": "contains a NUL character"}
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not MIN_DB_INT <= value <= MAX_DB_INT:
            yield {"field": path, "reason": "outside the 64-bit integer range"}
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield {"field": path, "reason": "not a finite number"}
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield {"field": path, "reason": "a key contains a NUL character"}
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(item, f"{path}.{n}")
