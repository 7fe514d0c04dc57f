"""The storefront half of the demo: connect the demo's Shopify channel to a platform (the
local simulator), pull its orders, allocate them, and push the stock figures back.

Everything goes through the sync engine's own services (pull -> inbox -> ingest ->
allocation -> outbox -> relay), so the demo shows the real flow, not a shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import listings, pull, relay, resync, stock_policy
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import SyncContext

__all__ = ["ChannelRun", "connect_channel", "run_channel"]


@dataclass
class ChannelRun:
    channel: str
    orders_pulled: int = 0
    orders: list[dict[str, Any]] = field(default_factory=list)
    stock_pushed: int = 0
    push_calls: int = 0


def connect_channel(
    uow_for: Callable[[], UnitOfWork],
    channel_name: str,
    connector: str,
    connection: dict[str, Any],
    listed: dict[str, dict[str, str]],
    warehouses: list[str],
    location_id: str | None = None,
) -> None:
    """Point the channel at a platform, say where it sells from and which listing is which
    (listed: hub SKU -> platform ids). Re-running it changes nothing."""
    with uow_for() as uow:
        channel = uow.channels.by_key(channel_name)
        settings = dict(channel.settings or {})
        settings.update(connector=connector, connection=connection)
        if location_id:
            settings["location_id"] = location_id
        channel.settings = settings
        uow.commit()
    stock_policy.set_warehouses(uow_for(), channel_name, warehouses)
    for sku, ids in sorted(listed.items()):
        listings.link_listing(uow_for(), channel_name, sku, sku, **ids)


def run_channel(ctx: SyncContext, tenant_id: int, channel_name: str) -> ChannelRun:
    """Pull, allocate (inline), publish every listed figure once, relay the outbox."""
    run = ChannelRun(channel_name)
    with ctx.uow(tenant_id) as uow:
        channel_id = uow.channels.by_key(channel_name).id
    assert channel_id is not None
    dispatcher = InlineDispatcher(ctx)
    report = pull.pull(ctx, dispatcher, tenant_id, channel_id)
    run.orders_pulled = report.records
    pushed = relay.relay(ctx, tenant_id)
    full = resync.resync(ctx, tenant_id, channel_id)
    run.stock_pushed = pushed.pushed + full.pushed
    run.push_calls = pushed.calls + full.calls
    with ctx.uow(tenant_id) as uow:
        o = t.orders.c
        rows = uow.session.execute(
            select(o.external_id, o.status)
            .where(o.channel_id == channel_id)
            .order_by(o.external_id)
        ).all()
    run.orders = [{"external_id": r.external_id, "status": str(r.status)} for r in rows]
    return run
