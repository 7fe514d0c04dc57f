"""Composition root of the sync engine: builds the SyncContext the tasks, the API and the
CLI share, from the settings. The only place that wires connections, secrets, rate
budgets and the registry together."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import StorefrontConnector
from connectors.registry import Registry
from connectors.toolkit import RateBudgets
from hub.bootstrap import Hub, bootstrap
from hub.config import Settings, SyncSettings
from hub.crypto import SecretBox
from hub.db.tables_connections import connections
from hub.db.unit_of_work import UnitOfWork
from hub.services.connections import open_connector_in
from hub.services.sync_context import ChannelRef, RegistryConnectors, SyncContext

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
    *,
    hub: Hub | None = None,
) -> SyncContext:
    """The engine, secret box and rate budgets come from the Hub (the composition root),
    so the API, the worker and the CLI share one of each per process."""
    hub = hub or bootstrap(settings)
    registry = registry or hub.connectors
    budgets = hub.rate_budgets
    opener = partial(_open_for_channel, hub, hub.secret_box, registry, budgets)
    connectors = RegistryConnectors(registry, open_connection=opener, budgets=budgets)
    return SyncContext(hub.session_factory, connectors, sync_settings or hub.settings.sync)
