"""Declarative record mappers, in the spirit of OCA connector's Mapper, but typed.

A mapper turns one platform record (a plain dict, as decoded from JSON) into keyword
arguments for a hub.domain constructor:

    class WooLine(Mapper[OrderLine]):
        build = OrderLine
        fields = (direct("quantity", "quantity", integer), direct("name", "title", text))

        @mapping
        def price(self, record: Record) -> Fields:
            return {"unit_price": money(record["subtotal"], self.context) ...}

- `direct(source, target, converter)` copies one (dotted) source path through a converter;
- `@mapping` methods compute whatever a single path cannot; they return target fields;
- `children(source, target, Mapper)` maps a list of sub-records (order lines) with
  another mapper, whose context may carry what the parent knows (currency, ids).

Every failure is an InvalidValue naming the record (`label()`) and the source field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from hub.domain.errors import DomainError, InvalidValue

__all__ = [
    "Context",
    "Converter",
    "Direct",
    "Fields",
    "Mapper",
    "Record",
    "children",
    "direct",
    "mapping",
    "path",
]

T = TypeVar("T")
Record = Mapping[str, Any]
Fields = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What a mapper knows besides the record: who the record belongs to and its currency."""

    tenant_id: int
    channel_id: int
    platform: str
    currency: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_currency(self, currency: str) -> Context:
        return dataclasses.replace(self, currency=currency)


Converter = Callable[[Any, Context], Any]

_MISSING = object()


def path(record: Record, dotted: str, default: Any = _MISSING) -> Any:
    """`path(r, "billing.email")`: walk nested dicts; a missing key gives `default`
    (or raises KeyError when no default is given)."""
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            if default is _MISSING:
                raise KeyError(dotted)
            return default
        value = value[part]
    return value


@dataclass(frozen=True)
class Direct:
    source: str
    target: str
    convert: Converter | None = None
    required: bool = True
    default: Any = None

    def apply(self, record: Record, context: Context) -> Any:
        raw = path(record, self.source, None)
        if raw is None:
            if self.required:
                raise InvalidValue(self.source, None, "is required")
            return self.default
        if self.convert is None:
            return raw
        try:
            return self.convert(raw, context)
        except InvalidValue as exc:  # converters do not know the field they were given
            raise InvalidValue(self.source, exc.value, exc.reason, exc.record) from None


def direct(
    source: str,
    target: str | None = None,
    convert: Converter | None = None,
    *,
    required: bool = True,
    default: Any = None,
) -> Direct:
    """Copy `source` (dotted path) to `target` (defaults to the same name) via `convert`.
    Missing or null: an error when `required`, else `default`."""
    return Direct(source, target or source, convert, required, default)


@dataclass(frozen=True)
class Children:
    source: str
    target: str
    mapper: type[Mapper[Any]]


def children(source: str, target: str, mapper: type[Mapper[Any]]) -> Children:
    """Map each element of the list at `source` with `mapper` into the list `target`."""
    return Children(source, target, mapper)


_MAPPING_ATTR = "__hub_mapping__"


def mapping(method: Callable[[Any, Record], Fields]) -> Callable[[Any, Record], Fields]:
    """Mark a method computing several target fields from the whole record."""
    setattr(method, _MAPPING_ATTR, True)
    return method


class Mapper(Generic[T]):
    """Subclass with `build` (the target constructor), `fields`, `@mapping` methods and
    `nested` children. Override `label` to name records in errors and
    `child_context` to pass what children need (e.g. the order's currency)."""

    build: ClassVar[Callable[..., Any]]
    fields: ClassVar[Sequence[Direct]] = ()
    nested: ClassVar[Sequence[Children]] = ()
    _mapping_names: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, context: Context) -> None:
        self.context = context

    def label(self, record: Record) -> str:
        return f"{self.context.platform} record {record.get('id', '?')}"

    def child_context(self, record: Record) -> Context:
        return self.context

    def _mapping_methods(self) -> list[Callable[[Record], Fields]]:
        cls = type(self)
        # Looked up once per class (in dir() order, as before), not once per record.
        names = cls.__dict__.get("_mapping_names")
        if names is None:
            names = tuple(
                name
                for name in dir(cls)
                if callable(attr := getattr(cls, name, None))
                and getattr(attr, _MAPPING_ATTR, False)
            )
            cls._mapping_names = names
        return [getattr(self, name) for name in names]

    def map_fields(self, record: Record) -> Fields:
        """The target fields, before construction (handy in tests and for updates)."""
        label = self.label(record)
        if not isinstance(record, Mapping):
            raise InvalidValue("record", type(record).__name__, "must be an object", label)
        out: Fields = {}
        try:
            for rule in self.fields:
                out[rule.target] = rule.apply(record, self.context)
            for method in self._mapping_methods():
                out.update(method(record))
        except InvalidValue as exc:
            raise _named(exc, label) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("record", str(exc), "is missing or malformed", label) from None
        child_context = self.child_context(record)
        for nested in self.nested:
            items = path(record, nested.source, None) or []
            if not isinstance(items, list):
                raise InvalidValue(nested.source, type(items).__name__, "must be a list", label)
            child = nested.mapper(child_context)
            out[nested.target] = [child.map(item) for item in items]
        return out

    def map(self, record: Record) -> T:
        fields = self.map_fields(record)
        try:
            built: T = type(self).build(**fields)
        except InvalidValue as exc:
            raise _named(exc, self.label(record)) from None
        except DomainError:
            raise
        return built


def _named(exc: InvalidValue, label: str) -> InvalidValue:
    if exc.record:
        return exc
    return InvalidValue(exc.field, exc.value, exc.reason, record=label)
