"""What the sync services need besides a unit of work: connectors per channel, a way to
hand work to the queue, settings and a clock. Built once by the composition root
(:func:`hub.services.sync_context.build`); tests build it with fakes of the outside edge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import ConnectorError, FatalConfigurationError, StorefrontConnector
from connectors.registry import Registry, default_registry
from connectors.toolkit import ConnectorContext, LocalRateBudgets, RateBudgets
from hub.config import SyncSettings
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import NotFound

__all__ = [
    "ChannelRef",
    "ConnectorProvider",
    "Dispatcher",
    "KeptConnectors",
    "RegistryConnectors",
    "SyncContext",
    "load_channel",
    "prepare_channels",
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

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], object]:
        """Inside the transaction that archives a channel's new records (a webhook's):
        what the dispatcher notes here commits with them, one transaction fewer per
        webhook; the callable it returns hands the records on once that commits."""
        ...


# (session, channel) -> the connector of the channel's connection, or None without one
ConnectionOpener = Callable[[Session, ChannelRef], StorefrontConnector | None]


class RegistryConnectors:
    """Connectors found by name in the registry (entry points), never imported here.

    The channel's connection (encrypted credentials) is opened by ``open_connection``; a
    channel without one may name ``settings["connector"]`` and give non-secret values in
    ``settings["connection"]`` (a demo or a test platform).
    """

    def __init__(
        self,
        registry: Registry | None = None,
        open_connection: ConnectionOpener | None = None,
        budgets: RateBudgets | None = None,
    ) -> None:
        self.registry = registry or default_registry
        self.open_connection = open_connection
        self.budgets = budgets or LocalRateBudgets()

    def storefront(self, session: Session, channel: ChannelRef) -> StorefrontConnector:
        opened = self.open_connection(session, channel) if self.open_connection else None
        if opened is not None:
            return opened
        name = channel.settings.get("connector")
        if not name:
            raise FatalConfigurationError(
                f"channel {channel.name} has no storefront connection: add one first"
            )
        values = dict(channel.settings.get("connection") or {})
        key = f"t{channel.tenant_id}:ch{channel.id}"
        cls = self.registry.load(str(name))
        try:
            config = self.registry.config(str(name), values)
        except ValueError as exc:  # pydantic ValidationError: a configuration problem
            raise FatalConfigurationError(f"channel {channel.name}: {exc}") from None
        connector: StorefrontConnector = cls(config, ConnectorContext(key, self.budgets))
        return connector


def prepare_channels(ctx: SyncContext, tenant_id: int, channel_ids: Sequence[int]) -> None:
    """Before a service uses channels' connectors inside its transaction (a relay's
    claim), let each connector get ready outside any (an OAuth2 token due soon is
    refreshed now and written in a unit of work of its own): nothing inside the claim
    then has to open a second one. A channel that cannot get ready fails in the claim,
    where its failure is recorded as before."""
    for channel_id in sorted(set(channel_ids)):
        with ctx.uow(tenant_id) as uow:
            channel = load_channel(uow.session, channel_id, tenant_id)
            try:
                connector = ctx.connectors.storefront(uow.session, channel)
            except ConnectorError:
                continue
        prepare = getattr(connector, "prepare", None)
        if prepare is not None:
            try:
                prepare()
            except ConnectorError:
                continue


class KeptConnectors:
    """Channels' opened connectors, kept a few seconds for work that only verifies (a
    webhook's signature): opening one reads the channel and its stored connection and
    decrypts the secrets, a transaction and five queries that cost a flash sale's webhook
    intake a third of its time. The caller decides what staleness is safe (webhooks
    re-open on a refused signature, so a rotated secret is never refused)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[int, tuple[float, ChannelRef, StorefrontConnector]] = {}
        self._lock = threading.Lock()

    def get(self, channel_id: int) -> tuple[ChannelRef, StorefrontConnector] | None:
        with self._lock:
            kept = self._kept.get(channel_id)
            if kept is None:
                return None
            if kept[0] <= self._clock():
                del self._kept[channel_id]
                return None
            return kept[1], kept[2]

    def keep(self, channel: ChannelRef, connector: StorefrontConnector, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._kept[channel.id] = (self._clock() + seconds, channel, connector)

    def forget(self, channel_id: int) -> None:
        with self._lock:
            self._kept.pop(channel_id, None)


@dataclass
class SyncContext:
    session_factory: sessionmaker[Session]
    connectors: ConnectorProvider
    settings: SyncSettings = field(default_factory=SyncSettings)
    clock: Callable[[], datetime] = utcnow
    kept: KeptConnectors = field(default_factory=KeptConnectors)

    def uow(self, tenant_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, tenant_id)
