"""Storing unified orders and keeping them honest about their mappings.

An order is always stored, whatever its lines say. Each line is resolved through the
channel's listings; a line nobody mapped keeps its channel SKU and raw data with
sku_id None, and the order goes ON_HOLD with "unmapped SKU X on channel Y". Fixing a
mapping (link, auto-link, CSV import, bundle) calls `heal_orders` in the same
transaction: lines get their SKU and the order returns to where it was (READY, or
PENDING_REVIEW for an unpaid one) once nothing else holds it.

Version-aware upserts belong to the sync engine's inbox in front of this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hub.db import tables as t
from hub.db.repositories_mapping import mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel
from hub.domain.errors import AlreadyExists, InvalidValue, NotFound
from hub.domain.orders import Order, OrderStatus
from hub.services.totals_check import apply_self_check
from mapping.holds import UNMAPPED_PREFIX, is_mapped, unmapped_reason

__all__ = [
    "ListingLookups",
    "add_order",
    "get_order",
    "heal_orders",
    "held_orders",
    "prepare_order",
    "store_order",
]

_SEP = "; "
# Only orders not yet allocated are held for a mapping.
_HOLDABLE = (OrderStatus.READY, OrderStatus.PENDING_REVIEW)


def _check_currency(order: Order) -> None:
    if order.fx_rate is None:
        return
    if order.fx_rate <= 0:
        raise InvalidValue("fx_rate", str(order.fx_rate), "must be positive", record=order.label)
    if not order.fx_source:
        raise InvalidValue(
            "fx_source", order.fx_source, "name where the rate came from", record=order.label
        )
    if not order.presentment_currency or order.presentment_currency == order.currency:
        raise InvalidValue(
            "fx_rate",
            str(order.fx_rate),
            "a rate needs a presentment currency different from the shop currency",
            record=order.label,
        )


@dataclass
class ListingLookups:
    """Listing lookups shared by the orders of one batch (one transaction): each channel
    SKU is looked up once, the bundle listings once. `listings` is channel id ->
    channel SKU -> (listing id, SKU id), (None, None) for a SKU nobody mapped."""

    listings: dict[int | None, dict[str, tuple[int | None, int | None]]] = field(
        default_factory=dict
    )
    bundle_listing_ids: set[int] | None = None


def _resolve_lines(
    uow: UnitOfWork, channel: Channel, order: Order, lookups: ListingLookups | None = None
) -> list[str]:
    """Point lines at their listing and SKU; return the keys still unmapped (the channel SKU,
    or "#" + the platform's listing id for a line without SKU: OrderLine.mapping_key)."""
    lookups = lookups or ListingLookups()
    if lookups.bundle_listing_ids is None:
        lookups.bundle_listing_ids = mapping_repos(uow).bundles.bundle_listing_ids()
    bundle_listings = lookups.bundle_listing_ids
    cache = lookups.listings.setdefault(channel.id, {})
    unmapped = []
    for line in order.lines:
        key = line.mapping_key
        if key is None:
            # Nothing stable to link (a custom item without SKU or listing id): say which.
            unmapped.append(f"(none: {line.label} has no SKU or listing id)")
            continue
        if key not in cache:
            listing = uow.listings.find(channel_id=channel.id, channel_sku=key)
            cache[key] = (listing.id, listing.sku_id) if listing else (None, None)
        line.listing_id, line.sku_id = cache[key]
        if not is_mapped(line, bundle_listings):
            unmapped.append(key)
    return unmapped


def _other_reasons(order: Order) -> list[str]:
    parts = (order.status_reason or "").split(_SEP) if order.status_reason else []
    return [p for p in parts if not p.startswith(UNMAPPED_PREFIX)]


def _apply_holds(order: Order, channel: Channel, unmapped: Iterable[str]) -> None:
    reason = unmapped_reason(unmapped, channel.name)
    held = order.status is OrderStatus.ON_HOLD
    if reason is None:
        if held and order.status_reason and UNMAPPED_PREFIX in order.status_reason:
            others = _other_reasons(order)
            if others:
                order.status_reason = _SEP.join(others)
            else:
                order.transition(order.resume_status or OrderStatus.READY)
                order.resume_status = None
        return
    if held:
        order.status_reason = _SEP.join([*_other_reasons(order), reason])
    elif order.status in _HOLDABLE:
        order.resume_status = order.status
        order.transition(OrderStatus.ON_HOLD, reason)
    # Orders past allocation (or shipped, cancelled history) are left as they are: holding
    # them would not release their stock. Their unmapped lines still show in
    # `hub mapping unmapped` and heal like any other.


def store_order(uow: UnitOfWork, channel_name: str, order: Order) -> Order:
    """Store a new unified order for `channel_name`, resolving its lines; never refuses
    an order for an unmapped SKU (it is held instead)."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        add_order(uow, channel, order)
        uow.commit()
        return order


def add_order(uow: UnitOfWork, channel: Channel, order: Order) -> Order:
    """Inside an open unit of work (no commit): what store_order does, so a caller can
    store many orders in one transaction. The order is added to the session and written
    at the next flush."""
    prepare_order(uow, channel, order)
    uow.session.add(order)
    return order


def prepare_order(
    uow: UnitOfWork,
    channel: Channel,
    order: Order,
    *,
    lookups: ListingLookups | None = None,
    known_new: bool = False,
) -> Order:
    """Every check and resolution of add_order, without adding the order to the session:
    the sync engine's batch ingest writes many prepared orders with Core INSERTs
    (hub.db.order_rows). A batch passes shared `lookups` and, having checked the external
    ids itself, `known_new`."""
    assert uow.tenant_id is not None and channel.id is not None
    if order.tenant_id != uow.tenant_id or order.channel_id != channel.id:
        raise InvalidValue(
            "channel_id", order.channel_id, f"is not channel {channel.name}", order.label
        )
    if not known_new and uow.orders.by_external_id(channel.id, order.external_id) is not None:
        raise AlreadyExists("order", f"{channel.name}/{order.external_id}")
    _check_currency(order)
    children: list[Any] = [*order.lines, *order.shipping_lines, *order.tax_lines,
                           *order.discounts, *order.fee_lines, *order.marketplace_fees,
                           *order.payments, *order.refunds]  # fmt: skip
    for child in children:
        child.tenant_id = uow.tenant_id
    _apply_holds(order, channel, _resolve_lines(uow, channel, order, lookups))
    apply_self_check(uow.session, uow.tenant_id, channel, order)
    return order


def heal_orders(uow: UnitOfWork, channel: Channel) -> list[Order]:
    """Inside an open unit of work: re-resolve every order of `channel` that has an
    unmapped line; lift mapping holds that no longer apply. Returns the orders changed."""
    ol, o = t.order_lines.c, t.orders.c
    order_ids = uow.session.scalars(
        select(ol.order_id)
        .join(t.orders, o.id == ol.order_id)
        .where(o.tenant_id == uow.tenant_id, o.channel_id == channel.id, ol.sku_id.is_(None))
        .distinct()
    ).all()
    changed = []
    for order_id in sorted(order_ids):
        order = uow.orders.get(order_id)
        before = (order.status, order.status_reason, [ln.sku_id for ln in order.lines])
        _apply_holds(order, channel, _resolve_lines(uow, channel, order))
        if (order.status, order.status_reason, [ln.sku_id for ln in order.lines]) != before:
            changed.append(order)
    uow.session.flush()
    return changed


def get_order(uow: UnitOfWork, channel_name: str, external_id: str) -> Order:
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        order = uow.orders.by_external_id(channel.id, external_id)
        if order is None:
            raise NotFound("order", f"{channel_name}/{external_id}")
        uow.session.expunge(order)  # read-only: keep it usable after the session closes
        return order


def held_orders(uow: UnitOfWork) -> list[Order]:
    """Orders waiting for a mapping, oldest first."""
    with uow:
        held = [
            x
            for x in uow.orders.list(status=OrderStatus.ON_HOLD)
            if UNMAPPED_PREFIX in (x.status_reason or "")
        ]
        for order in held:
            uow.session.expunge(order)
        return sorted(held, key=lambda x: x.placed_at)
