"""Platform stock locations <-> hub warehouses, for platforms that keep stock per location
(Shopify locations, Medusa stock locations).

The connector lists the platform's locations; each warehouse the channel sells from is
matched to the location of the same name (case-insensitive) or to the one named in
``names`` (warehouse code -> location name). The map is kept on the channel
(``settings["locations"]``), and the location of the most preferred warehouse becomes
the channel's push location (``settings["location_id"]``) unless one is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import select

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.domain.errors import InvalidValue
from hub.services.order_changes import retry_held_restocks
from hub.services.sync_context import SyncContext, load_channel

__all__ = ["LocationLinks", "link_location", "link_locations"]


class _Location(Protocol):
    id: str
    name: str


@runtime_checkable
class _HasLocations(Protocol):
    def list_locations(self) -> list[Any]: ...


@dataclass
class LocationLinks:
    linked: dict[str, str] = field(default_factory=dict)  # warehouse code -> location id
    unmatched: list[str] = field(default_factory=list)  # warehouse codes with no location
    push_location: str | None = None


def link_locations(
    ctx: SyncContext, tenant_id: int, channel_name: str, names: dict[str, str] | None = None
) -> LocationLinks:
    with ctx.uow(tenant_id) as uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        ref = load_channel(uow.session, channel.id, tenant_id)
        connector = ctx.connectors.storefront(uow.session, ref)
        cw, w = ta.channel_warehouses.c, t.warehouses.c
        warehouses = uow.session.execute(
            select(w.code, w.name)
            .join(ta.channel_warehouses, cw.warehouse_id == w.id)
            .where(cw.channel_id == channel.id)
            .order_by(cw.rank)
        ).all()
    if not isinstance(connector, _HasLocations):
        raise InvalidValue("platform", ref.platform, "has no stock locations", record=channel_name)
    locations: list[_Location] = connector.list_locations()
    by_name = {loc.name.casefold(): loc.id for loc in locations}
    links = LocationLinks()
    for code, name in warehouses:
        wanted = (names or {}).get(code, name)
        found = by_name.get(wanted.casefold())
        if found is None:
            links.unmatched.append(code)
        else:
            links.linked[code] = found
    with ctx.uow(tenant_id) as uow:
        channel = uow.channels.by_key(channel_name)
        settings = dict(channel.settings or {})
        settings["locations"] = links.linked
        if not settings.get("location_id") and warehouses and warehouses[0][0] in links.linked:
            settings["location_id"] = links.linked[warehouses[0][0]]
        links.push_location = settings.get("location_id")
        channel.settings = settings
        uow.commit()
    return links


def link_location(ctx: SyncContext, tenant_id: int, channel_name: str, location: str,
                  warehouse_code: str) -> int:  # fmt: skip
    """Link one platform location to a hub warehouse (the channel's `locations` map), so
    refunds restocking there go back into that warehouse; restocks held for that location
    are applied now. Returns how many held restocks went back."""
    if not location.strip():
        raise InvalidValue("location", location, "must not be empty", record=channel_name)
    with ctx.uow(tenant_id) as uow:
        channel = uow.channels.by_key(channel_name)
        uow.warehouses.by_key(warehouse_code)  # NotFound names an unknown warehouse
        settings = dict(channel.settings or {})
        links = {code: loc for code, loc in (settings.get("locations") or {}).items()
                 if str(loc) != location}  # fmt: skip
        links[warehouse_code] = location
        settings["locations"] = links
        channel.settings = settings
        uow.session.flush()
        applied = retry_held_restocks(uow, channel)
        uow.commit()
    return applied
