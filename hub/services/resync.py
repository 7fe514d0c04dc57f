"""Full stock resync of a channel: push the current figure of every listed SKU and every
bundle listing (periodic, and `hub sync resync`): heals anything changed on the platform
by hand. Figures already published by the allocator are pushed as published; those never
published are computed from the balances the same way the allocator would (a kit SKU or
a bundle listing as the minimum over its components, `bundle_figures.figures_now`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.services.bundle_figures import figures_now, is_bundle_listing
from hub.services.relay import Figures, RelayReport, push_figures
from hub.services.sync_context import SyncContext, load_channel
from mapping.bundles import BundleKey

__all__ = ["resync"]


def resync(ctx: SyncContext, tenant_id: int, channel_id: int) -> RelayReport:
    """Push the current figure of every listed SKU and bundle listing of the channel
    (periodic full resync: heals anything changed on the platform by hand)."""
    report = RelayReport()
    with ctx.uow(tenant_id) as uow:
        session = uow.session
        channel = load_channel(session, channel_id, tenant_id)
        skus = _sku_figures(session, tenant_id, channel_id)
        listings = _listing_figures(session, tenant_id, channel_id)
        report.events = len(skus) + len(listings)
        ok = push_figures(
            ctx, session, channel, skus, "resync", report, listings=listings, force=True
        )
        if ok:
            uow.commit()
    return report


def _sku_figures(session: Session, tenant_id: int, channel_id: int) -> Figures:
    lc = t.listings.c
    listed = sorted(
        int(s)
        for s in session.execute(
            select(lc.sku_id)
            .where(lc.channel_id == channel_id, lc.sku_id.is_not(None), ~is_bundle_listing())
            .distinct()
        ).scalars()
    )
    v = ta.channel_stock_versions.c
    published = {
        r.sku_id: (r.version, r.available)
        for r in session.execute(
            select(v.sku_id, v.version, v.available).where(
                v.channel_id == channel_id, v.sku_id.in_(listed), v.version > 0
            )
        )
    }
    unpublished: list[BundleKey] = [("sku", s) for s in listed if s not in published]
    computed = figures_now(session, tenant_id, channel_id, unpublished)
    return {**{key[1]: (0, figure) for key, figure in computed.items()}, **published}


def _listing_figures(session: Session, tenant_id: int, channel_id: int) -> Figures:
    lc, v = t.listings.c, ta.listing_stock_versions.c
    bundles = sorted(
        int(i)
        for i in session.execute(
            select(lc.id).where(lc.channel_id == channel_id, is_bundle_listing())
        ).scalars()
    )
    published = {
        r.listing_id: (r.version, r.available)
        for r in session.execute(
            select(v.listing_id, v.version, v.available).where(
                v.listing_id.in_(bundles), v.version > 0
            )
        )
    }
    unpublished: list[BundleKey] = [("listing", i) for i in bundles if i not in published]
    computed = figures_now(session, tenant_id, channel_id, unpublished)
    return {**{key[1]: (0, figure) for key, figure in computed.items()}, **published}
