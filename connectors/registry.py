"""Find connectors by name through the ``hub.connectors`` entry-point group.

A third party ships a connector as its own distribution with::

    [project.entry-points."hub.connectors"]
    acme = "acme_hub:AcmeConnector"

Nothing is imported until a connector is asked for by name, so one broken plug-in
cannot stop the hub from starting, and the hub never imports a concrete connector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from connectors.base import Capability, ConnectorConfig, ConnectorKind, FatalConfigurationError

GROUP = "hub.connectors"

__all__ = ["GROUP", "ConnectorInfo", "Registry", "UnknownConnector", "default_registry"]


class UnknownConnector(FatalConfigurationError):
    def __init__(self, name: str, installed: Iterable[str]) -> None:
        names = ", ".join(sorted(installed)) or "none"
        super().__init__(f"no connector named {name!r} is installed (installed: {names})")
        self.name = name


@dataclass(frozen=True)
class ConnectorInfo:
    name: str
    kind: ConnectorKind
    capabilities: frozenset[Capability]
    secret_fields: frozenset[str]
    settings_schema: dict[str, Any]
    source: str  # "module:attribute" of the entry point


class Registry:
    def __init__(self, discover: Callable[[], Iterable[EntryPoint]] | None = None) -> None:
        self._discover = discover or (lambda: entry_points(group=GROUP))
        self._loaded: dict[str, type[Any]] = {}

    def _entry_points(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in self._discover()}

    def names(self) -> list[str]:
        return sorted(self._entry_points())

    def load(self, name: str) -> type[Any]:
        """The connector class registered as ``name`` (imported on first use)."""
        if name not in self._loaded:
            points = self._entry_points()
            if name not in points:
                raise UnknownConnector(name, points)
            try:
                cls = points[name].load()
            except Exception as exc:  # a broken plug-in must not take the hub down
                raise FatalConfigurationError(
                    f"connector {name!r} ({points[name].value}) failed to load: {exc!r}"
                ) from exc
            for attribute in ("name", "kind", "capabilities", "config_model"):
                if not hasattr(cls, attribute):
                    raise FatalConfigurationError(
                        f"connector {name!r} ({points[name].value}) lacks {attribute!r}"
                    )
            self._loaded[name] = cls
        return self._loaded[name]

    def order_mapper(self, name: str) -> Callable[..., Any]:
        """The storefront connector's own `map_order` (platform record + mapping Context
        -> unified Order): how the hub maps a channel's records without importing any
        platform's mapper."""
        cls = self.load(name)
        mapper = getattr(cls, "map_order", None)
        if not callable(mapper):
            raise FatalConfigurationError(
                f"connector {name!r} ({self._entry_points()[name].value}) brings no order "
                "mapper: give it map_order(record, context) -> Order"
            )
        return mapper  # type: ignore[no-any-return]

    def config(self, name: str, values: dict[str, Any]) -> ConnectorConfig:
        """Validate settings + secrets for connector ``name`` with its own config model."""
        model: type[ConnectorConfig] = self.load(name).config_model
        return model.model_validate(values)

    def describe(self, name: str) -> ConnectorInfo:
        cls = self.load(name)
        model: type[ConnectorConfig] = cls.config_model
        return ConnectorInfo(
            name=name,
            kind=ConnectorKind(cls.kind),
            capabilities=frozenset(cls.capabilities),
            secret_fields=model.secret_fields(),
            settings_schema=model.model_json_schema(),
            source=self._entry_points()[name].value,
        )

    def describe_all(self) -> tuple[list[ConnectorInfo], dict[str, str]]:
        """(what loads, {name: why not} for the broken ones)."""
        infos: list[ConnectorInfo] = []
        broken: dict[str, str] = {}
        for name in self.names():
            try:
                infos.append(self.describe(name))
            except FatalConfigurationError as exc:
                broken[name] = str(exc)
        return infos, broken


default_registry = Registry()
