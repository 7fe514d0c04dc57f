"""A platform record that remembers which field a mapper read last.

A mapper that meets a shape it did not foresee (an object where it reads a string, a
list that is a number) fails with a bare TypeError or AttributeError: the record is
named, the field is not. Reading through a traced record keeps the path of the last
field read (``line_items[3].quantity``), and that is the field the failure is about in
practice: the value just read is the one that did not fit. The hub names it in the
error queue (hub.services.ingest.map_record).

Only reads are traced; the record's content is the same plain JSON (a traced record
compares, copies and serialises as the dict or list it wraps).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, SupportsIndex

__all__ = ["Trail", "traced"]


class Trail:
    """Where the last read went: a dotted path with list indexes."""

    def __init__(self) -> None:
        self.last: str | None = None


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def traced(value: Any, trail: Trail, path: str = "") -> Any:
    """``value`` reading through ``trail`` (dicts and lists; anything else as it is)."""
    if type(value) is dict:
        return TracedDict(value, trail, path)
    if type(value) is list:
        return TracedList(value, trail, path)
    return value


class TracedDict(dict[Any, Any]):
    def __init__(self, data: Any = (), trail: Trail | None = None, path: str = "") -> None:
        super().__init__(data)
        self._trail = trail or Trail()
        self._path = path

    def _read(self, key: Any, value: Any) -> Any:
        where = _join(self._path, key)
        self._trail.last = where
        wrapped = traced(value, self._trail, where)
        if wrapped is not value:  # later reads (and writes through it) see the same one
            super().__setitem__(key, wrapped)
        return wrapped

    def __getitem__(self, key: Any) -> Any:
        self._trail.last = _join(self._path, key)
        return self._read(key, super().__getitem__(key))

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self._read(key, super().__getitem__(key))
        self._trail.last = _join(self._path, key)
        return default

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return copy.deepcopy(dict(self), memo)


class TracedList(list[Any]):
    def __init__(self, data: Any = (), trail: Trail | None = None, path: str = "") -> None:
        super().__init__(data)
        self._trail = trail or Trail()
        self._path = path

    def _read(self, index: int, value: Any) -> Any:
        where = _join(self._path, index)
        self._trail.last = where
        wrapped = traced(value, self._trail, where)
        if wrapped is not value:
            super().__setitem__(index, wrapped)
        return wrapped

    def __getitem__(self, index: Any) -> Any:
        found = super().__getitem__(index)
        if isinstance(index, slice):
            return found
        position = index.__index__() if isinstance(index, SupportsIndex) else index
        return self._read(position % len(self) if position < 0 else position, found)

    def __iter__(self) -> Iterator[Any]:
        for n in range(len(self)):
            yield self._read(n, super().__getitem__(n))

    def __reduce__(self) -> Any:
        return (list, (list(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return copy.deepcopy(list(self), memo)
