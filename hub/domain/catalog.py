"""Who sells what, where: tenants, channels, warehouses, products, SKUs and listings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$")


def check_code(kind: str, field_name: str, value: str) -> str:
    """Codes (SKUs, warehouse codes, slugs) are short, printable and free of spaces."""
    if not isinstance(value, str) or not _CODE.match(value):
        raise InvalidValue(
            field_name,
            value,
            "must be 1-64 characters of letters, digits, '.', '_', '-' or '/', "
            "starting with a letter or digit",
            record=kind,
        )
    return value


class WarehouseKind(StrEnum):
    OWN = "own"
    THIRD_PARTY = "3pl"
    MARKETPLACE_FULFILLED = "marketplace"  # e.g. Amazon FBA: the hub never allocates from it


@dataclass(eq=False)
class Tenant:
    slug: str
    name: str
    id: int | None = None

    def __post_init__(self) -> None:
        check_code("tenant", "slug", self.slug)


@dataclass(eq=False)
class Channel:
    """A connected storefront instance, e.g. 'shopify / EU store'."""

    tenant_id: int
    platform: str
    name: str
    currency: str = "USD"
    settings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(eq=False)
class Warehouse:
    tenant_id: int
    code: str
    name: str
    country: str = ""
    region: str = ""
    priority: int = 100  # lower is preferred
    kind: WarehouseKind = WarehouseKind.OWN
    id: int | None = None

    def __post_init__(self) -> None:
        check_code("warehouse", "code", self.code)
        if self.country and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InvalidValue(
                "country",
                self.country,
                "must be an ISO 3166-1 alpha-2 code",
                record=f"warehouse {self.code}",
            )

    @property
    def allocatable(self) -> bool:
        return self.kind is not WarehouseKind.MARKETPLACE_FULFILLED


@dataclass(eq=False)
class Product:
    tenant_id: int
    name: str
    id: int | None = None


@dataclass(eq=False)
class Sku:
    tenant_id: int
    code: str
    name: str
    unit_cost: Money
    product_id: int | None = None
    barcode: str | None = None
    lot_tracked: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        check_code("sku", "code", self.code)
        if self.unit_cost.amount < Decimal(0):
            raise InvalidValue(
                "unit_cost", str(self.unit_cost), "must not be negative", record=f"sku {self.code}"
            )


@dataclass(eq=False)
class Listing:
    """How a channel names one of our SKUs: its product, variant and inventory ids."""

    tenant_id: int
    channel_id: int
    channel_sku: str
    sku_id: int | None
    channel_product_id: str | None = None
    channel_variant_id: str | None = None
    channel_inventory_item_id: str | None = None
    id: int | None = None
