"""`hub tenant|channel|warehouse|sku|lot|supplier create`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, hub, money, tenant_uow
from hub.domain.catalog import WarehouseKind
from hub.services import catalog

tenant_app = typer.Typer(help="Tenants (workspaces).", no_args_is_help=True)
channel_app = typer.Typer(help="Channels (connected storefronts).", no_args_is_help=True)
warehouse_app = typer.Typer(help="Warehouses.", no_args_is_help=True)
sku_app = typer.Typer(help="SKUs.", no_args_is_help=True)
lot_app = typer.Typer(help="Lots of lot-tracked SKUs.", no_args_is_help=True)
supplier_app = typer.Typer(help="Suppliers.", no_args_is_help=True)


@tenant_app.command("create")
def tenant_create(
    slug: Annotated[str, typer.Argument(help="Short name used with --tenant.")],
    name: Annotated[str, typer.Option(help="Display name (default: the slug).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a tenant (a workspace with its own data and tokens)."""
    tenant = catalog.create_tenant(hub().uow(), slug, name or slug)
    emit(tenant, as_json, lambda: f"created tenant {tenant.slug} (#{tenant.id})")


@channel_app.command("create")
def channel_create(
    name: Annotated[str, typer.Argument(help="Channel name, e.g. shopify-us.")],
    platform: Annotated[str, typer.Option(help="e.g. shopify, woocommerce, amazon")],
    currency: Annotated[str, typer.Option(help="Shop currency (ISO 4217).")] = "USD",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a channel (a storefront orders come from)."""
    channel = catalog.create_channel(tenant_uow(tenant), name, platform, currency.upper())
    emit(channel, as_json, lambda: f"created channel {channel.name} (#{channel.id})")


@warehouse_app.command("create")
def warehouse_create(
    code: Annotated[str, typer.Argument(help="Short warehouse code, e.g. BER.")],
    name: Annotated[str, typer.Option(help="Display name (default: the code).")] = "",
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2")] = "",
    region: Annotated[
        str,
        typer.Option(
            help="State/province as ISO 3166-2 (US-NJ, or NJ with --country US), for nearest."
        ),
    ] = "",
    priority: Annotated[int, typer.Option(help="Lower is preferred.")] = 100,
    kind: Annotated[
        WarehouseKind, typer.Option(help="own, 3pl or marketplace (fulfilled by the platform).")
    ] = WarehouseKind.OWN,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a warehouse stock is kept in."""
    warehouse = catalog.create_warehouse(
        tenant_uow(tenant),
        code,
        name or code,
        country=country,
        region=region,
        priority=priority,
        kind=kind,
    )
    emit(warehouse, as_json, lambda: f"created warehouse {warehouse.code} (#{warehouse.id})")


@sku_app.command("create")
def sku_create(
    code: Annotated[str, typer.Argument(help="SKU code.")],
    name: Annotated[str, typer.Option(help="Display name (default: the code).")] = "",
    cost: Annotated[str, typer.Option(help="Unit cost, e.g. 12.50")] = "0",
    currency: Annotated[str, typer.Option(help="Currency of the cost (ISO 4217).")] = "USD",
    barcode: Annotated[str | None, typer.Option(help="EAN/UPC barcode.")] = None,
    lot_tracked: Annotated[
        bool, typer.Option("--lot-tracked", help="Stock of this SKU is kept per lot.")
    ] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a SKU; the cost is refused if it has more decimals than the currency."""
    unit_cost = money("cost", cost, currency, record=f"sku {code}")
    sku = catalog.create_sku(
        tenant_uow(tenant), code, name or code, unit_cost, barcode=barcode, lot_tracked=lot_tracked
    )
    emit(sku, as_json, lambda: f"created sku {sku.code} (#{sku.id})")


@lot_app.command("create")
def lot_create(
    sku: Annotated[str, typer.Argument(help="SKU code (lot-tracked).")],
    lot: Annotated[str, typer.Argument(help="Lot code.")],
    expires: Annotated[str | None, typer.Option(help="Expiry date, YYYY-MM-DD")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a lot of a lot-tracked SKU."""
    from hub.domain.errors import InvalidValue

    try:
        expires_on = date.fromisoformat(expires) if expires else None
    except ValueError:
        raise InvalidValue("expires", expires, "not a YYYY-MM-DD date") from None
    created = catalog.create_lot(tenant_uow(tenant), sku, lot, expires_on)
    emit(created, as_json, lambda: f"created lot {sku}/{created.code}")


@supplier_app.command("create")
def supplier_create(
    code: Annotated[str, typer.Argument(help="Supplier code.")],
    name: Annotated[str, typer.Option(help="Display name (default: the code).")] = "",
    currency: Annotated[str, typer.Option(help="Currency the supplier invoices in.")] = "USD",
    lead_time_days: Annotated[int, typer.Option(help="Days from order to receipt.")] = 7,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a supplier purchase orders go to."""
    supplier = catalog.create_supplier(
        tenant_uow(tenant), code, name or code, currency.upper(), lead_time_days
    )
    emit(supplier, as_json, lambda: f"created supplier {supplier.code} (#{supplier.id})")


@channel_app.command("link-location")
def channel_link_location(
    channel: Annotated[str, typer.Argument(help="Channel name.")],
    location: Annotated[str, typer.Argument(help="The platform's location id.")],
    warehouse: Annotated[str, typer.Argument(help="Hub warehouse code.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link a platform location to a warehouse: refunds restocking there go back into it
    (held restocks of that location are applied now)."""
    from hub.services.channel_locations import link_location

    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    applied = link_location(h.sync, tenant_id, channel, location, warehouse)
    emit(
        {"channel": channel, "location": location, "warehouse": warehouse, "restocked": applied},
        as_json,
        lambda: f"{channel}: location {location} -> {warehouse} ({applied} held restocks applied)",
    )
