"""Composition root of the sync engine: builds the SyncContext the tasks, the API and the
CLI share, from the settings. The only place that wires connections, secrets, rate
budgets and the registry together."""

from __future__ import annotations

from functools import partial

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import StorefrontConnector
from connectors.registry import Registry, default_registry
from connectors.toolkit import LocalRateBudgets, RateBudgets, RedisRateBudgets
from hub.bootstrap import Hub, bootstrap
from hub.config import Settings
from hub.crypto import SecretBox
from hub.db.tables_connections import connections
from hub.db.unit_of_work import UnitOfWork
from hub.services.connections import open_connector_in
from hub.services.sync_context import ChannelRef, RegistryConnectors, SyncContext
from hub.sync_config import SyncSettings

__all__ = ["build_context"]


def _open_for_channel(
    hub: Hub,
    box: SecretBox,
    registry: Registry,
    budgets: RateBudgets,
    session: Session,
    channel: ChannelRef,
) -> StorefrontConnector | None:
    c = connections.c
    connection_id = session.execute(
        select(c.id)
        .where(c.channel_id == channel.id, c.kind == "storefront")
        .order_by(c.id)
        .limit(1)
    ).scalar()
    if connection_id is None:
        return None
    # Through the caller's session: the service holds a unit of work (invariant 11).
    connector: StorefrontConnector = open_connector_in(
        session,
        channel.tenant_id,
        lambda: UnitOfWork(hub.session_factory, channel.tenant_id),
        box,
        registry,
        budgets,
        connection_id,
    )
    return connector


def build_context(
    settings: Settings | None = None,
    sync_settings: SyncSettings | None = None,
    registry: Registry | None = None,
) -> SyncContext:
    hub = bootstrap(settings)
    registry = registry or default_registry
    budgets: RateBudgets = (
        RedisRateBudgets(redis.Redis.from_url(hub.settings.redis_url))
        if hub.settings.redis_url
        else LocalRateBudgets()
    )
    opener = partial(
        _open_for_channel, hub, SecretBox.from_settings(hub.settings), registry, budgets
    )
    connectors = RegistryConnectors(registry, open_connection=opener, budgets=budgets)
    return SyncContext(hub.session_factory, connectors, sync_settings or SyncSettings())
