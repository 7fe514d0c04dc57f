"""A tenant with stock, a WooCommerce-platform channel served by the in-memory `memshop`
connector (found through a registry by name), and a sync context over the test database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from hub.db import tables as t
from hub.db.tables_sync import inbox_records
from hub.db.unit_of_work import UnitOfWork
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import RegistryConnectors, SyncContext
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes import memshop
from tests.integration.alloc_setup import Shop, shop

SECRET = "whsec-test"


@dataclass
class SyncShop:
    shop: Shop
    ctx: SyncContext
    tenant_id: int
    platform: memshop.Platform
    dispatcher: InlineDispatcher

    @property
    def channel_id(self) -> int:
        return self.shop.channel_id

    def count(self, table: Any, **where: Any) -> int:
        with self.shop.uow() as uow:
            query = (
                select(func.count()).select_from(table).where(table.c.tenant_id == self.tenant_id)
            )
            for name, value in where.items():
                query = query.where(table.c[name] == value)
            return int(uow.session.execute(query).scalar_one())

    def order_id(self, external_id: str) -> int:
        with self.shop.uow() as uow:
            o = t.orders.c
            return int(
                uow.session.execute(
                    select(o.id).where(
                        o.channel_id == self.channel_id, o.external_id == external_id
                    )
                ).scalar_one()
            )

    def inbox_statuses(self) -> list[str]:
        with self.shop.uow() as uow:
            i = inbox_records.c
            rows = uow.session.execute(
                select(i.status).where(i.tenant_id == self.tenant_id).order_by(i.id)
            ).scalars()
            return list(rows)


def sync_shop(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    stock: dict[tuple[str, str], int],
    *,
    settings: SyncSettings | None = None,
    page_size: int = 2,
    listed: dict[str, str] | None = None,
) -> SyncShop:
    """`listed`: channel SKU -> platform variant id (listings the relay pushes to)."""
    s = shop(tenant, stock)
    with tenant() as uow:
        assert uow.tenant_id is not None
        tenant_id = uow.tenant_id
        shop_name = f"shop-{tenant_id}-{db.backend}"
        uow.session.execute(
            update(t.channels)
            .where(t.channels.c.id == s.channel_id)
            .values(
                platform="woocommerce",
                settings={
                    "connector": "memshop",
                    "connection": {
                        "shop": shop_name,
                        "webhook_secret": SECRET,
                        "page_size": page_size,
                    },
                },
            )
        )
        for sku, code in s.sku_ids.items():
            uow.session.execute(
                insert(t.listings).values(
                    tenant_id=tenant_id,
                    channel_id=s.channel_id,
                    channel_sku=sku,
                    sku_id=code,
                    channel_product_id="7" if sku in (listed or {}) else None,
                    channel_variant_id=(listed or {}).get(sku),
                )
            )
        uow.commit()
    ctx = SyncContext(
        db.session_factory,
        RegistryConnectors(memshop.registry()),
        settings or SyncSettings(),
    )
    memshop.PLATFORMS.pop(shop_name, None)
    return SyncShop(s, ctx, tenant_id, memshop.platform(shop_name), InlineDispatcher(ctx))
