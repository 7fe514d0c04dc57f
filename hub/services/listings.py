"""Listings: which internal SKU each channel SKU is. Link one, auto-link by SKU,
import/export CSV, list what is unmapped. Every change heals held orders in the same
transaction, so a fixed mapping and the released orders commit together.

CSV import applies the valid rows and refuses the others (row number and reason),
in one transaction; a bad header refuses the whole file. `dry_run` reports without saving.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from hub.db import tables as t
from hub.db.repositories_mapping import mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel, Listing
from hub.domain.errors import InvalidValue
from hub.domain.orders import line_mapping_key
from hub.services.bundles import replace_listing_components
from hub.services.orders import heal_orders
from mapping.csv_formats import RowError, format_components, parse_listings, render_listings
from mapping.skus import Normalisation, parse_normalisations, plan_links

__all__ = [
    "ImportReport",
    "LinkReport",
    "UnmappedSku",
    "autolink",
    "export_listings",
    "import_listings",
    "link_listing",
    "unmapped_skus",
]

ID_FIELDS = ("channel_product_id", "channel_variant_id", "channel_inventory_item_id")


@dataclass
class ImportReport:
    channel: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[RowError] = field(default_factory=list)
    healed_orders: list[str] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class LinkReport:
    channel: str
    linked: dict[str, str] = field(default_factory=dict)
    not_linked: dict[str, str] = field(default_factory=dict)
    healed_orders: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UnmappedSku:
    channel: str
    channel_sku: str
    orders: list[str]  # external ids of orders with a line on it
    has_listing: bool


def _upsert(uow: UnitOfWork, channel: Channel, channel_sku: str) -> tuple[Listing, bool]:
    found = uow.listings.find(channel_id=channel.id, channel_sku=channel_sku)
    if found is not None:
        return found, False
    assert uow.tenant_id is not None and channel.id is not None
    return uow.listings.add(Listing(uow.tenant_id, channel.id, channel_sku, None)), True


def _sku_ids(uow: UnitOfWork) -> dict[str, int]:
    return {s.code: s.id for s in uow.skus.list() if s.id is not None}


def link_listing(
    uow: UnitOfWork,
    channel_name: str,
    channel_sku: str,
    sku_code: str | None,
    **ids: str | None,
) -> tuple[Listing, list[str]]:
    """Create or change one listing; returns it and the orders it healed."""
    if not channel_sku:
        raise InvalidValue("channel_sku", channel_sku, "must not be empty", record="listing")
    unknown = set(ids) - set(ID_FIELDS)
    if unknown:
        raise InvalidValue("ids", sorted(unknown), f"use {', '.join(ID_FIELDS)}", "listing")
    with uow:
        channel = uow.channels.by_key(channel_name)
        listing, _ = _upsert(uow, channel, channel_sku)
        listing.sku_id = uow.skus.by_key(sku_code).id if sku_code else None
        for name, value in ids.items():
            setattr(listing, name, value or None)
        healed = [o.external_id for o in heal_orders(uow, channel)]
        uow.commit()
        return listing, healed


def import_listings(
    uow: UnitOfWork, channel_name: str, text: str, *, dry_run: bool = False
) -> ImportReport:
    parsed = parse_listings(text)  # a bad header raises here: nothing is applied
    report = ImportReport(channel_name, refused=list(parsed.errors), dry_run=dry_run)
    counts = Counter(r.channel_sku for r in parsed.rows)
    rows_of = {
        k: [r.row for r in parsed.rows if r.channel_sku == k] for k, n in counts.items() if n > 1
    }
    with uow:
        channel = uow.channels.by_key(channel_name)
        skus = _sku_ids(uow)
        for row in parsed.rows:
            if row.channel_sku in rows_of:
                shown = ", ".join(map(str, rows_of[row.channel_sku]))
                reason = f"duplicate channel SKU {row.channel_sku!r} (rows {shown})"
                report.refused.append(RowError(row.row, reason, row.channel_sku))
                continue
            missing = [
                c for c in [row.sku or "", *(c for c, _ in row.components)] if c and c not in skus
            ]
            if missing:
                reason = f"unknown SKU {', '.join(repr(m) for m in missing)}"
                report.refused.append(RowError(row.row, reason, row.channel_sku))
                continue
            listing, created = _upsert(uow, channel, row.channel_sku)
            before = (listing.sku_id, *(getattr(listing, f) for f in ID_FIELDS))
            listing.sku_id = skus[row.sku] if row.sku else None
            for name, value in row.ids.items():
                setattr(listing, name, value)
            components_changed = False
            if "components" in parsed.columns:
                assert listing.id is not None
                wanted = [(skus[c], q) for c, q in row.components]
                components_changed = replace_listing_components(uow, listing.id, wanted)
            after = (listing.sku_id, *(getattr(listing, f) for f in ID_FIELDS))
            if created:
                report.created += 1
            elif before != after or components_changed:
                report.updated += 1
            else:
                report.unchanged += 1
        report.healed_orders = [o.external_id for o in heal_orders(uow, channel)]
        report.refused.sort(key=lambda e: e.row)
        if not dry_run:
            uow.commit()
    return report


def export_listings(uow: UnitOfWork, channel_name: str) -> str:
    with uow:
        channel = uow.channels.by_key(channel_name)
        codes = {v: k for k, v in _sku_ids(uow).items()}
        components = mapping_repos(uow).bundles.direct_definitions()
        rows = []
        for listing in sorted(
            uow.listings.list(channel_id=channel.id), key=lambda x: x.channel_sku
        ):
            assert listing.id is not None
            parts = components.get(("listing", listing.id), [])
            rows.append([
                listing.channel_sku,
                codes[listing.sku_id] if listing.sku_id is not None else None,
                *(getattr(listing, f) for f in ID_FIELDS),
                format_components((codes[s], q) for s, q in parts) if parts else None,
            ])  # fmt: skip
        return render_listings(rows)


def autolink(
    uow: UnitOfWork, channel_name: str, rules: frozenset[Normalisation] | None = None
) -> LinkReport:
    """Link channel SKUs nobody mapped (unlinked listings and SKUs seen only on orders)
    to the one internal SKU with the same code after `rules` (default: the channel's
    `sku_normalise` setting, e.g. "trim,case"; else exact); report the rest."""
    report = LinkReport(channel_name)
    with uow:
        channel = uow.channels.by_key(channel_name)
        if rules is None:
            rules = parse_normalisations(str(channel.settings.get("sku_normalise", "")))
        bundle_listings = mapping_repos(uow).bundles.bundle_listing_ids()
        candidates = {
            x.channel_sku for x in uow.listings.list(channel_id=channel.id, sku_id=None)
            if x.id not in bundle_listings
        } | {u.channel_sku for u in _unmapped_on_orders(uow, channel)}  # fmt: skip
        skus = _sku_ids(uow)
        plan = plan_links(sorted(candidates), skus, rules)
        for channel_sku, code in plan.linked.items():
            listing, _ = _upsert(uow, channel, channel_sku)
            listing.sku_id = skus[code]
        report.linked, report.not_linked = plan.linked, plan.not_linked
        report.healed_orders = [o.external_id for o in heal_orders(uow, channel)]
        uow.commit()
    return report


def _unmapped_on_orders(uow: UnitOfWork, channel: Channel) -> list[UnmappedSku]:
    ol, o = t.order_lines.c, t.orders.c
    bundle_listings = mapping_repos(uow).bundles.bundle_listing_ids()
    rows = uow.session.execute(
        select(ol.channel_sku, ol.platform_listing_id, o.external_id, ol.listing_id)
        .join(t.orders, o.id == ol.order_id)
        .where(o.tenant_id == uow.tenant_id, o.channel_id == channel.id, ol.sku_id.is_(None))
        .order_by(ol.channel_sku, ol.platform_listing_id, o.external_id)
    ).all()
    by_sku: dict[str, list[str]] = {}
    has_listing: dict[str, bool] = {}
    for sku, platform_listing_id, external_id, listing_id in rows:
        if listing_id in bundle_listings:
            continue
        # A line without SKU is linked by the platform's listing id ("#4455").
        channel_sku = line_mapping_key(sku, platform_listing_id) or "(no SKU or listing id)"
        orders = by_sku.setdefault(channel_sku, [])
        if external_id not in orders:
            orders.append(external_id)
        has_listing[channel_sku] = listing_id is not None
    return [UnmappedSku(channel.name, k, v, has_listing[k]) for k, v in by_sku.items()]


def unmapped_skus(uow: UnitOfWork, channel_name: str | None = None) -> list[UnmappedSku]:
    """Channel SKUs without an internal SKU: on order lines, and unlinked listings."""
    with uow:
        if channel_name is not None:
            channels = [uow.channels.by_key(channel_name)]
        else:
            channels = list(uow.channels.list())
        result: list[UnmappedSku] = []
        bundle_listings = mapping_repos(uow).bundles.bundle_listing_ids()
        for channel in channels:
            on_orders = _unmapped_on_orders(uow, channel)
            seen = {u.channel_sku for u in on_orders}
            result += on_orders
            for listing in uow.listings.list(channel_id=channel.id, sku_id=None):
                if listing.channel_sku not in seen and listing.id not in bundle_listings:
                    result.append(UnmappedSku(channel.name, listing.channel_sku, [], True))
        return sorted(result, key=lambda u: (u.channel, u.channel_sku))
