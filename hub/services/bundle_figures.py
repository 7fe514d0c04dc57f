"""Available-to-sell of bundles, published whenever one of their components moves.

A bundle's pool on a channel is `min over components of (component pool // units per
bundle)` (`hub.domain.availability.bundle_available`), where a component's pool is the
sum of its per-warehouse available over the channel's sellable warehouses; the channel's
buffer / share / max-to-list / end-when then apply to that pool as to any SKU.

- A bundle SKU (a kit with its own code) is published like any SKU: `stock.changed`,
  row in `channel_stock_versions`, for every channel that sells from a warehouse.
- A bundle listing (no SKU of its own) is published for its own channel only:
  `stock.changed.listing`, key `channel:<id>/listing:<id>`, row in
  `listing_stock_versions`.

A changed definition is published the same way, in the transaction that changed it
(`publish_definitions`, called by `hub.services.bundles`); the full resync and the
channel drift report compute figures from the balances now with `figures_now`.

Exactness under concurrency follows `stock_events`: the caller already changed (and
locked) the component balances; the bundle's figure rows are locked next, and the figure
is computed after that in a new statement, so it includes every committed change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Exists, bindparam, exists, select, update
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db import tables_mapping as tm
from hub.db.allocation_store import policy_from_row
from hub.db.allocation_writes import changed_event
from hub.db.outbox import OutboxEvent
from hub.db.published_figures import lock_listing_figures, lock_published, pooled
from hub.domain.allocation import AllocationPolicy
from hub.domain.availability import bundle_available, channel_available
from mapping.bundles import BundleKey, Components, flatten

STOCK_CHANGED_LISTING = "stock.changed.listing"

__all__ = [
    "STOCK_CHANGED_LISTING",
    "bundle_pool",
    "bundles_containing",
    "definitions",
    "figures_now",
    "is_bundle_listing",
    "listing_event",
    "publish_bundle_figures",
    "publish_definitions",
]


def definitions(session: Session, tenant_id: int) -> dict[BundleKey, Components]:
    """Every bundle of the tenant, flattened to leaf SKUs (Core twin of
    `hub.services.bundles.bundle_definitions`, for callers holding only a session)."""
    direct = _direct(session, tenant_id)
    sku_bundles = {k[1]: v for k, v in direct.items() if k[0] == "sku"}
    return {k: flatten(sku_bundles, v) for k, v in direct.items()}


def _direct(session: Session, tenant_id: int) -> dict[BundleKey, Components]:
    b = tm.bundle_components.c
    rows = session.execute(
        select(b.bundle_sku_id, b.listing_id, b.component_sku_id, b.quantity).where(
            b.tenant_id == tenant_id
        )
    ).all()
    direct: dict[BundleKey, Components] = {}
    for r in rows:
        key: BundleKey = ("sku", r.bundle_sku_id) if r.bundle_sku_id is not None else (
            "listing", r.listing_id)  # fmt: skip
        direct.setdefault(key, []).append((r.component_sku_id, r.quantity))
    return direct


def bundles_containing(
    session: Session, tenant_id: int, sku_ids: Iterable[int]
) -> dict[BundleKey, Components]:
    touched = set(sku_ids)
    b = tm.bundle_components.c
    hit = session.execute(
        select(b.id)
        .where(b.tenant_id == tenant_id, b.component_sku_id.in_(sorted(touched)))
        .limit(1)
    ).first()
    if hit is None:  # the common case: no bundle is made of these SKUs, one indexed probe
        return {}
    return {
        key: parts
        for key, parts in definitions(session, tenant_id).items()
        if any(sku in touched for sku, _q in parts)
    }


def bundle_pool(parts: Components, pools: dict[int, int]) -> int:
    """The bundle's pool from its components' pools on one channel."""
    return bundle_available(parts, pools)


def publish_bundle_figures(
    session: Session, tenant_id: int, sku_ids: Iterable[int], today: date | None = None
) -> list[OutboxEvent]:
    """Inside the transaction that changed `sku_ids`: re-publish every bundle containing
    one of them whose figure moved. Returns the events (the caller adds them)."""
    return _publish(session, tenant_id, bundles_containing(session, tenant_id, sku_ids), today)


def publish_definitions(
    session: Session, tenant_id: int, keys: Iterable[BundleKey]
) -> list[OutboxEvent]:
    """Inside the transaction that changed the definitions of `keys` (flushed): publish
    their new figures, and those of every bundle containing a changed kit SKU. A kit
    dissolved into a plain SKU gets its own stock's figure; a dissolved bundle listing
    gets none (its SKU's figure applies again). Returns the events (the caller adds them)."""
    direct = _direct(session, tenant_id)
    flat = definitions(session, tenant_id)
    wanted, kits = set(keys), {k[1] for k in keys if k[0] == "sku"}
    while kits:  # bundles made of a changed kit changed too, at any depth
        parents = {
            k for k, parts in direct.items() if k not in wanted and any(s in kits for s, _ in parts)
        }
        wanted |= parents
        kits = {k[1] for k in parents if k[0] == "sku"}
    affected = {k: flat.get(k, [(k[1], 1)]) for k in wanted if k in flat or k[0] == "sku"}
    return _publish(session, tenant_id, affected)


def figures_now(
    session: Session, tenant_id: int, channel_id: int, keys: Iterable[BundleKey]
) -> dict[BundleKey, int]:
    """The figures of `keys` on one channel computed from the balances now (for those never
    published, and to check what was): a bundle (kit SKU or bundle listing) as the minimum
    over its components, a plain SKU from its own pool, then the channel policy. Listing
    keys that are no bundle are left out: such a listing sells its SKU's figure."""
    flat = definitions(session, tenant_id)
    wanted = {k: flat.get(k, [(k[1], 1)]) for k in keys if k in flat or k[0] == "sku"}
    if not wanted:
        return {}
    policy = _channel_policies(session, tenant_id).get(channel_id, AllocationPolicy())
    components = sorted({sku for parts in wanted.values() for sku, _q in parts})
    pools = pooled(session, tenant_id, [channel_id], components)
    return {k: _figure(channel_id, parts, pools, policy) for k, parts in wanted.items()}


def is_bundle_listing() -> Exists:
    """A listing made of components: it sells its own figure, never its SKU's."""
    b = tm.bundle_components.c
    return exists().where(b.listing_id == t.listings.c.id)


def _figure(
    channel: int, parts: Components, pools: dict[tuple[int, int], int], policy: AllocationPolicy
) -> int:
    mine = {sku: pools.get((channel, sku), 0) for sku, _q in parts}
    return channel_available([bundle_pool(parts, mine)], policy)


def _publish(
    session: Session,
    tenant_id: int,
    affected: dict[BundleKey, Components],
    today: date | None = None,
) -> list[OutboxEvent]:
    if not affected:
        return []
    policies = _channel_policies(session, tenant_id)
    kits = sorted(k[1] for k in affected if k[0] == "sku")
    listings = _listing_channels(session, [k[1] for k in affected if k[0] == "listing"])
    components = sorted({sku for parts in affected.values() for sku, _q in parts})
    # Lock first (channel, SKU rows in the global order, then listing rows), compute after.
    pairs = [(c, k) for c in sorted(policies) for k in kits]
    sku_rows = lock_published(session, tenant_id, pairs) if pairs else {}
    listing_rows = lock_listing_figures(session, tenant_id, listings) if listings else {}
    channels = sorted(set(policies) | set(listings.values()))
    pools = pooled(session, tenant_id, channels, components, today)

    def figure(channel: int, parts: Components) -> int:
        return _figure(channel, parts, pools, policies.get(channel, AllocationPolicy()))

    events: list[OutboxEvent] = []
    sku_bumps, listing_bumps = [], []
    for (channel, kit), (row_id, version, old) in sorted(sku_rows.items()):
        new = figure(channel, affected[("sku", kit)])
        if new != old or version == 0:
            sku_bumps.append({"b_id": row_id, "b_version": version + 1, "b_available": new})
            events.append(changed_event(channel, kit, new, version + 1))
    for listing, (row_id, version, old) in sorted(listing_rows.items()):
        channel = listings[listing]
        new = figure(channel, affected[("listing", listing)])
        if new != old or version == 0:
            listing_bumps.append({"b_id": row_id, "b_version": version + 1, "b_available": new})
            events.append(listing_event(channel, listing, new, version + 1))
    _bump(session, ta.channel_stock_versions, sku_bumps)
    _bump(session, ta.listing_stock_versions, listing_bumps)
    return events


def listing_event(channel: int, listing: int, available: int, version: int) -> OutboxEvent:
    payload = {
        "channel_id": channel,
        "listing_id": listing,
        "available": available,
        "version": version,
    }
    key = f"channel:{channel}/listing:{listing}"
    return OutboxEvent(STOCK_CHANGED_LISTING, key, payload, version=version)


def _bump(session: Session, table: Any, bumps: list[dict[str, int]]) -> None:
    if bumps:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(version=bindparam("b_version"), available=bindparam("b_available")),
            bumps,
            execution_options={"synchronize_session": False},
        )


def _channel_policies(session: Session, tenant_id: int) -> dict[int, AllocationPolicy]:
    """Every channel that sells from at least one warehouse, with its policy."""
    cw, p = ta.channel_warehouses.c, ta.channel_allocation_policies.c
    rows = session.execute(
        select(cw.channel_id, ta.channel_allocation_policies)
        .distinct()
        .outerjoin(ta.channel_allocation_policies, p.channel_id == cw.channel_id)
        .where(cw.tenant_id == tenant_id)
    ).all()
    return {r.channel_id: policy_from_row(r if r.strategy is not None else None) for r in rows}


def _listing_channels(session: Session, listing_ids: list[int]) -> dict[int, int]:
    if not listing_ids:
        return {}
    li = t.listings.c
    rows = session.execute(select(li.id, li.channel_id).where(li.id.in_(listing_ids))).all()
    return {r.id: r.channel_id for r in rows}
