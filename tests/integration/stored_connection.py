"""A channel connected the documented way: `hub connections add` stores the real
WooCommerce connector's credentials encrypted, and the hub opens it through the sync
engine's composition root (`build_context`). HTTP is faked at the edge with `responses`
in the shape of the official docs (tests/contract/woocommerce_docs.py)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update

from connectors.registry import default_registry
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import connections
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import SyncContext
from hub.sync_runtime import build_context
from tests.conftest import Database
from tests.contract.woocommerce_docs import order as documented_order
from tests.integration.alloc_setup import Shop, shop

STORE = "https://shop.example.com"
API = f"{STORE}/wp-json/wc/v3/"
WEBHOOK_SECRET = "whsec-stored"
PRODUCT_ID = "93"  # the documented order's first line item's product


@dataclass
class StoredShop:
    shop: Shop
    hub: Hub
    ctx: SyncContext
    tenant_id: int
    dispatcher: InlineDispatcher

    @property
    def channel_id(self) -> int:
        return self.shop.channel_id


def stored_shop(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    stock: dict[tuple[str, str], int],
    *,
    settings: Settings | None = None,
) -> StoredShop:
    s = shop(tenant, stock)
    with tenant() as uow:
        assert uow.tenant_id is not None
        tenant_id = uow.tenant_id
        uow.session.execute(
            update(t.channels).where(t.channels.c.id == s.channel_id).values(platform="woocommerce")
        )
        for sku, code in s.sku_ids.items():
            uow.session.execute(
                insert(t.listings).values(
                    tenant_id=tenant_id,
                    channel_id=s.channel_id,
                    channel_sku=sku,
                    sku_id=code,
                    channel_product_id=PRODUCT_ID if sku == "SKU-A" else None,
                )
            )
        uow.commit()
    settings = settings or Settings(database_url=db.url)
    hub = Hub(settings)
    connections.add_connection(
        tenant(),
        hub.secret_box,
        default_registry,
        connector="woocommerce",
        display_name="web shop",
        values={
            "store_url": STORE,
            "consumer_key": "ck_stored",
            "consumer_secret": "cs_stored",
            "webhook_secret": WEBHOOK_SECRET,
        },
        channel="web",
    )
    ctx = build_context(settings)
    return StoredShop(s, hub, ctx, tenant_id, InlineDispatcher(ctx))


def woo_order(n: int, modified_gmt: str, sku: str = "SKU-A", quantity: int = 1) -> dict[str, Any]:
    """The documented order renumbered, in the channel's currency, with one line."""
    body = documented_order(n, modified_gmt)
    line = copy.deepcopy(body["line_items"][0])
    line.update(sku=sku, quantity=quantity)
    body.update(currency="EUR", line_items=[line])
    return body


def webhook_headers(body: bytes, delivery: str, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-WC-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Topic": "order.updated",
    }


def signed(payload: Any) -> bytes:
    return json.dumps(payload).encode()
