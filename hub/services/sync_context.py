"""What the sync services need besides a unit of work: connectors per channel, a way to
hand work to the queue, settings and a clock. Built once by the composition root
(:func:`hub.services.sync_context.build`); tests build it with fakes of the outside edge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import StorefrontConnector
from connectors.registry import Registry, default_registry
from connectors.toolkit import ConnectorContext, LocalRateBudgets, RateBudgets
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue, NotFound
from hub.sync_config import SyncSettings

__all__ = [
    "ChannelRef",
    "ConnectorProvider",
    "Dispatcher",
    "RegistryConnectors",
    "SyncContext",
    "load_channel",
]


@dataclass(frozen=True)
class ChannelRef:
    id: int
    tenant_id: int
    name: str
    platform: str
    currency: str
    settings: dict[str, Any]


def load_channel(session: Session, channel_id: int, tenant_id: int | None = None) -> ChannelRef:
    c = t.channels.c
    query = select(t.channels).where(c.id == channel_id)
    if tenant_id is not None:
        query = query.where(c.tenant_id == tenant_id)
    row = session.execute(query).mappings().first()
    if row is None:
        raise NotFound("channel", str(channel_id))
    return ChannelRef(
        row["id"],
        row["tenant_id"],
        row["name"],
        row["platform"],
        row["currency"],
        dict(row["settings"] or {}),
    )


class ConnectorProvider(Protocol):
    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        """The connector that talks to ``channel``'s platform, configured and ready."""
        ...


class Dispatcher(Protocol):
    """Hands committed work to whoever processes it: the Celery queue or the caller."""

    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None: ...

    def relay(self, tenant_id: int) -> None: ...


# (session, channel) -> (connector name, config values incl. secrets, connection key)
ConnectionLoader = Callable[[Session, ChannelRef], tuple[str, dict[str, Any], str] | None]


class RegistryConnectors:
    """Connectors found by name in the registry (entry points), never imported here.

    The configuration comes from the channel's connection (encrypted credentials) through
    ``load_connection``; a channel without one may name ``settings["connector"]`` and give
    non-secret values in ``settings["connection"]`` (a demo or a test platform).
    """

    def __init__(
        self,
        registry: Registry | None = None,
        load_connection: ConnectionLoader | None = None,
        budgets: RateBudgets | None = None,
    ) -> None:
        self.registry = registry or default_registry
        self.load_connection = load_connection
        self.budgets = budgets or LocalRateBudgets()

    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        found = self.load_connection(session, channel) if self.load_connection else None
        if found is None:
            name = str(channel.settings.get("connector") or channel.platform)
            values = dict(channel.settings.get("connection") or {})
            found = (name, values, f"t{channel.tenant_id}:ch{channel.id}")
        name, values, key = found
        cls = self.registry.load(name)
        try:
            config = self.registry.config(name, values)
        except ValueError as exc:  # pydantic ValidationError
            raise InvalidValue(
                "connection", name, str(exc), record=f"channel {channel.name}"
            ) from None
        connector: StorefrontConnector = cls(config, ConnectorContext(key, self.budgets))
        return connector


@dataclass
class SyncContext:
    session_factory: sessionmaker[Session]
    connectors: ConnectorProvider
    settings: SyncSettings = field(default_factory=SyncSettings)
    clock: Callable[[], datetime] = utcnow

    def uow(self, tenant_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, tenant_id)
