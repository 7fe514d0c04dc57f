"""A small demo workspace: two warehouses, a few SKUs, a purchase order and some movements.

Seeding is idempotent per tenant: a workspace that already exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import WarehouseKind
from hub.domain.money import Money
from hub.services import catalog, inventory, purchasing

ACTOR = "demo-seed"


def seed_demo(uow_for: Callable[[int | None], UnitOfWork], slug: str = "demo") -> bool:
    """Create the demo tenant and its data; False if it already existed."""
    with uow_for(None) as uow:
        if uow.tenants.find(slug) is not None:
            return False
    tenant = catalog.create_tenant(uow_for(None), slug, "Demo Outdoor Co.")

    def u() -> UnitOfWork:
        return uow_for(tenant.id)

    catalog.create_channel(u(), "shopify-us", "shopify", "USD")
    catalog.create_channel(u(), "amazon-jp", "amazon", "JPY")
    catalog.create_warehouse(u(), "BER", "Berlin", country="DE", priority=10)
    catalog.create_warehouse(
        u(),
        "NJ",
        "New Jersey 3PL",
        country="US",
        region="NJ",
        priority=20,
        kind=WarehouseKind.THIRD_PARTY,
    )
    catalog.create_warehouse(
        u(),
        "FBA-JP",
        "Amazon FBA Japan",
        country="JP",
        priority=90,
        kind=WarehouseKind.MARKETPLACE_FULFILLED,
    )
    catalog.create_sku(u(), "TENT-2P", "Two-person tent", Money.of("84.50", "EUR"))
    catalog.create_sku(u(), "STOVE-MINI", "Mini gas stove", Money.of("19.90", "EUR"))
    catalog.create_sku(
        u(), "GAS-230", "Gas cartridge 230 g", Money.of("2.10", "EUR"), lot_tracked=True
    )
    catalog.create_lot(u(), "GAS-230", "L2611", date.today() + timedelta(days=400))
    catalog.create_supplier(u(), "ALPS", "Alps Outdoor GmbH", "EUR", lead_time_days=14)
    purchasing.create_purchase_order(
        u(),
        "PO-1001",
        "ALPS",
        "BER",
        [
            ("TENT-2P", 40, Money.of("84.50", "EUR")),
            ("STOVE-MINI", 60, Money.of("19.90", "EUR")),
            ("GAS-230", 200, Money.of("2.10", "EUR")),
        ],
    )
    purchasing.receive_purchase_order(
        u(), "PO-1001", {"TENT-2P": 30, "STOVE-MINI": 60}, actor=ACTOR
    )
    purchasing.receive_purchase_order(
        u(), "PO-1001", {"GAS-230": 200}, actor=ACTOR, lots={"GAS-230": "L2611"}
    )
    inventory.transfer(u(), "BER", "NJ", "TENT-2P", 12, actor=ACTOR, reason="stock the US 3PL")
    inventory.adjust_to_count(
        u(), "BER", "STOVE-MINI", 58, actor=ACTOR, reason="cycle count found two short"
    )
    inventory.scrap(u(), "BER", "GAS-230", 3, actor=ACTOR, reason="dented cartridges", lot="L2611")
    inventory.set_safety_stock(u(), "BER", "TENT-2P", 2, reorder_point=10)
    return True
