"""`nearest` reads the orders' normalised ship-to and the warehouses' ISO 3166 codes: a
New Jersey order is served from New Jersey, a European one from Berlin, and one without
a country in the channel's own order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.services import catalog, inbox
from hub.services.allocation import allocate
from hub.services.stock_policy import set_policy
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.alloc_setup import shop
from tests.integration.sync_setup import sync_shop

Tenant = Callable[[], UnitOfWork]


def test_warehouse_regions_are_stored_as_iso_3166_2(tenant: Tenant) -> None:
    s = shop(tenant, {})
    with tenant() as uow:
        w = t.warehouses.c
        regions = dict(uow.session.execute(select(w.code, w.region)).all())
    assert regions["BER"] == "DE-BE" and regions["NJ"] == "US-NJ"
    hoboken = catalog.create_warehouse(tenant(), "HOB", "Hoboken", country="US",
                                       region="New Jersey")  # fmt: skip
    assert hoboken.region == "US-NJ"
    with pytest.raises(InvalidValue, match="warehouse MUC: region='Bavaria'"):
        catalog.create_warehouse(tenant(), "MUC", "Munich", country="US", region="Bavaria")
    assert s.channel_id


@pytest.mark.parametrize(
    ("country", "subdivision", "served_from"),
    [
        ("US", "US-NJ", "NJ"),
        ("US", "US-CA", "NJ"),  # same country
        ("FR", "", "BER"),  # Western Europe
        ("CA", "CA-ON", "NJ"),  # Northern America
        ("", "", "BER"),  # unknown: the channel's order (BER first)
    ],
)
def test_nearest_serves_each_order_from_the_nearest_warehouse(
    tenant: Tenant, country: str, subdivision: str, served_from: str
) -> None:
    s = shop(tenant, {("BER", "TENT"): 5, ("NJ", "TENT"): 5}, strategy="nearest",
             review_missing_country=False)  # fmt: skip
    order = s.order([("TENT", 1)], country=country)
    # The shape every mapper hands (mapping/addresses.py).
    address = {"country": country, "subdivision": subdivision, "postal_code": "", "city": "",
               "raw": {}}  # fmt: skip
    with tenant() as uow:
        uow.session.execute(t.orders.update().where(t.orders.c.id == order).values(ship_to=address))
        uow.commit()
    allocate(tenant(), order)
    assert s.reservations(order) == [(served_from, "TENT", "", 1)]


def test_a_new_jersey_order_from_a_platform_is_served_from_new_jersey_not_berlin(
    db: Database, tenant: Tenant
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5, ("NJ", "SKU-A"): 5})
    set_policy(tenant(), "web", strategy="nearest")
    order = woo_order(1, "2026-11-01T10:00:00", [("SKU-A", 2)])
    order["shipping"] = {"first_name": "Ada", "city": "Hoboken", "postcode": "07030",
                         "country": "US", "state": "NJ"}  # fmt: skip
    record = RawRecord("order", "1", parse_utc("2026-11-01T10:00:00"), order)
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, [record], "poll")
        uow.commit()
    s.dispatcher.process_inbox(s.tenant_id, ids)
    order_id = s.order_id("1")
    assert s.shop.reservations(order_id) == [("NJ", "SKU-A", "", 2)]
    with tenant() as uow:
        ship_to = uow.session.execute(
            select(t.orders.c.ship_to).where(t.orders.c.id == order_id)
        ).scalar_one()
    assert ship_to["subdivision"] == "US-NJ" and ship_to["raw"]["state"] == "NJ"
