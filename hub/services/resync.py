"""Full stock resync of a channel: push the current figure of every listed SKU (periodic,
and `hub sync resync`): heals anything changed on the platform by hand. Figures already
published by the allocator are pushed as published; SKUs never published are computed
from the balances the same way the allocator would."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.services.relay import RelayReport, _computed, push_figures
from hub.services.sync_context import SyncContext, load_channel

__all__ = ["resync"]


def resync(ctx: SyncContext, tenant_id: int, channel_id: int) -> RelayReport:
    """Push the current figure of every listed SKU of the channel (periodic full resync:
    heals anything changed on the platform by hand)."""
    report = RelayReport()
    with ctx.uow(tenant_id) as uow:
        channel = load_channel(uow.session, channel_id, tenant_id)
        listed = _listed_skus(uow.session, channel_id)
        v = ta.channel_stock_versions.c
        published = {
            r.sku_id: (r.version, r.available)
            for r in uow.session.execute(
                select(v.sku_id, v.version, v.available).where(
                    v.channel_id == channel_id, v.sku_id.in_(listed), v.version > 0
                )
            )
        }
        unpublished = [s for s in listed if s not in published]
        computed = _computed(uow.session, tenant_id, channel_id, unpublished)
        figures = {**{s: (0, computed.get(s, 0)) for s in unpublished}, **published}
        report.events = len(figures)
        ok = push_figures(ctx, uow.session, channel, figures, "resync", report, force=True)
        if ok:
            uow.commit()
    return report


def _listed_skus(session: Session, channel_id: int) -> list[int]:
    lc = t.listings.c
    rows = session.execute(
        select(lc.sku_id).where(lc.channel_id == channel_id, lc.sku_id.is_not(None)).distinct()
    ).scalars()
    return sorted(int(s) for s in rows)
