"""Setting up a workspace: tenants, channels, warehouses, SKUs, lots and suppliers."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import Channel, Sku, Tenant, Warehouse, WarehouseKind
from hub.domain.errors import AlreadyExists, InvalidValue
from hub.domain.inventory import Lot
from hub.domain.money import Money, minor_units
from hub.domain.purchasing import Supplier
from mapping.addresses import subdivision_code


def create_tenant(uow: UnitOfWork, slug: str, name: str) -> Tenant:
    with uow:
        if uow.tenants.find(slug) is not None:
            raise AlreadyExists("tenant", slug)
        tenant = uow.tenants.add(Tenant(slug=slug, name=name))
        uow.commit()
        return tenant


def create_channel(
    uow: UnitOfWork,
    name: str,
    platform: str,
    currency: str,
    settings: dict[str, Any] | None = None,
) -> Channel:
    minor_units(currency)
    with uow:
        if uow.channels.find(name=name) is not None:
            raise AlreadyExists("channel", name)
        assert uow.tenant_id is not None
        channel = uow.channels.add(
            Channel(uow.tenant_id, platform, name, currency, dict(settings or {}))
        )
        uow.commit()
        return channel


def create_warehouse(
    uow: UnitOfWork,
    code: str,
    name: str,
    *,
    country: str = "",
    region: str = "",
    priority: int = 100,
    kind: WarehouseKind = WarehouseKind.OWN,
) -> Warehouse:
    region = _subdivision(code, country, region)
    with uow:
        if uow.warehouses.find(code=code) is not None:
            raise AlreadyExists("warehouse", code)
        assert uow.tenant_id is not None
        warehouse = uow.warehouses.add(
            Warehouse(uow.tenant_id, code, name, country, region, priority, kind)
        )
        uow.commit()
        return warehouse


def _subdivision(code: str, country: str, region: str) -> str:
    """A warehouse's region as its ISO 3166-2 subdivision ("NJ" or "New Jersey" in the US
    is "US-NJ"), the shape `nearest` compares with the orders' normalised ship-to."""
    if not region.strip():
        return ""
    found = subdivision_code(country, region)
    if not found:
        raise InvalidValue(
            "region",
            region,
            f"is no ISO 3166-2 subdivision of country {country or '(none given)'!r}",
            record=f"warehouse {code}",
        )
    return found


def create_sku(
    uow: UnitOfWork,
    code: str,
    name: str,
    unit_cost: Money,
    *,
    barcode: str | None = None,
    lot_tracked: bool = False,
) -> Sku:
    with uow:
        if uow.skus.find(code=code) is not None:
            raise AlreadyExists("sku", code)
        assert uow.tenant_id is not None
        sku = uow.skus.add(
            Sku(uow.tenant_id, code, name, unit_cost, barcode=barcode, lot_tracked=lot_tracked)
        )
        uow.commit()
        return sku


def create_lot(uow: UnitOfWork, sku_code: str, lot_code: str, expires_on: date | None) -> Lot:
    with uow:
        sku = uow.skus.by_key(sku_code)
        if not sku.lot_tracked:
            raise InvalidValue("lot", lot_code, "sku is not lot-tracked", record=f"sku {sku_code}")
        if uow.lots.find(sku_id=sku.id, code=lot_code) is not None:
            raise AlreadyExists("lot", f"{sku_code}/{lot_code}")
        assert uow.tenant_id is not None and sku.id is not None
        lot = uow.lots.add(Lot(uow.tenant_id, sku.id, lot_code, expires_on))
        uow.commit()
        return lot


def create_supplier(
    uow: UnitOfWork, code: str, name: str, currency: str, lead_time_days: int = 7
) -> Supplier:
    minor_units(currency)
    if lead_time_days < 0:
        raise InvalidValue(
            "lead_time_days", lead_time_days, "must not be negative", record=f"supplier {code}"
        )
    with uow:
        if uow.suppliers.find(code=code) is not None:
            raise AlreadyExists("supplier", code)
        assert uow.tenant_id is not None
        supplier = uow.suppliers.add(Supplier(uow.tenant_id, code, name, currency, lead_time_days))
        uow.commit()
        return supplier
