"""An in-memory storefront platform and its connector, registered by name like any plug-in.

The platform keeps WooCommerce-shaped orders (so the real WooCommerce mapper maps them),
serves them in pages ordered by modification time, signs webhooks with HMAC-SHA256 and
records every stock batch it receives. Tests reach a platform by its shop name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

from pydantic import SecretStr

from connectors.base import (
    Capability,
    ConnectorConfig,
    ConnectorKind,
    FulfillmentPush,
    Page,
    PushResult,
    RateLimited,
    RawRecord,
    RetriableError,
    SkippableRecordError,
    StockLevelUpdate,
    WebhookDelivery,
    WebhookRejected,
    secret,
)
from connectors.registry import GROUP, Registry
from connectors.toolkit import ConnectorContext, hmac_sha256_base64, verify_hmac_sha256_base64
from mapping.platforms import woocommerce

SIGNATURE_HEADER = "X-Memshop-Hmac-Sha256"
DELIVERY_HEADER = "X-Memshop-Delivery-Id"


class MemShopConfig(ConnectorConfig):
    shop: str
    webhook_secret: SecretStr | None = secret("webhook signing secret", default=None)
    page_size: int = 2


@dataclass
class Platform:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushes: list[list[StockLevelUpdate]] = field(default_factory=list)
    fulfillments: list[FulfillmentPush] = field(default_factory=list)
    cancellations: list[tuple[str, str]] = field(default_factory=list)  # (order id, reason)
    stock: dict[str, int] = field(default_factory=dict)
    fail_after_pages: int | None = None  # raise a retriable error once this many pages served
    push_down: bool = False
    # Seconds of a 429 Retry-After the store answers every stock batch with, while set.
    throttled_for: float | None = None
    on_push: Callable[[], None] | None = None  # runs inside each accepted stock batch
    pages_served: int = 0
    queries: list[datetime] = field(default_factory=list)

    def put(self, order: dict[str, Any]) -> None:
        self.orders[str(order["id"])] = order


PLATFORMS: dict[str, Platform] = {}


def platform(shop: str) -> Platform:
    return PLATFORMS.setdefault(shop, Platform())


def registry() -> Registry:
    """The installed connectors plus memshop, as a third-party package would add it."""
    point = EntryPoint("memshop", "tests.fakes.memshop:MemShopConnector", GROUP)
    return Registry(lambda: [*entry_points(group=GROUP), point])


def sign(secret_: str, body: bytes) -> str:
    return hmac_sha256_base64(secret_, body)


def _updated(order: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(order["date_modified_gmt"]).replace(tzinfo=UTC)


class MemShopConnector:
    name: ClassVar[str] = "memshop"
    kind: ClassVar[ConnectorKind] = ConnectorKind.STOREFRONT
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.GET_ORDER,
            Capability.WEBHOOKS,
            Capability.PUSH_STOCK,
            Capability.PUSH_FULFILLMENT,
            Capability.PUSH_CANCELLATION,
        }
    )
    config_model: ClassVar[type[ConnectorConfig]] = MemShopConfig
    map_order = staticmethod(woocommerce.map_order)  # its orders are WooCommerce-shaped

    def __init__(self, config: MemShopConfig, context: ConnectorContext | None = None) -> None:
        self.config = config
        self.platform = platform(config.shop)

    def _record(self, order: Mapping[str, Any]) -> RawRecord:
        return RawRecord("order", str(order["id"]), _updated(order), dict(order))

    def iter_order_pages(self, since: datetime, resume: str | None = None) -> Iterator[Page]:
        self.platform.queries.append(since)
        items = sorted(
            (o for o in self.platform.orders.values() if _updated(o) >= since),
            key=lambda o: (_updated(o), str(o["id"])),
        )
        size = self.config.page_size
        for start in range(int(resume or 0), len(items), size):
            if (
                self.platform.fail_after_pages is not None
                and self.platform.pages_served >= self.platform.fail_after_pages
            ):
                raise RetriableError("memshop: 503 service unavailable")
            self.platform.pages_served += 1
            following = str(start + size) if start + size < len(items) else None
            yield Page([self._record(o) for o in items[start : start + size]], following)

    def get_order(self, external_id: str) -> RawRecord:
        return self._record(self.platform.orders[external_id])

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        folded = {k.lower(): v for k, v in headers.items()}
        secret_ = self.config.webhook_secret
        signature = folded.get(SIGNATURE_HEADER.lower())
        if secret_ is None or not verify_hmac_sha256_base64(
            secret_.get_secret_value(), body, signature
        ):
            raise WebhookRejected("memshop: webhook signature missing or invalid")
        order = json.loads(body)
        return WebhookDelivery(
            folded.get(DELIVERY_HEADER.lower()), "order.updated", [self._record(order)]
        )

    def push_stock(self, updates: Sequence[StockLevelUpdate]) -> PushResult:
        if self.platform.push_down:
            raise RetriableError("memshop: 503 on stock batch")
        if self.platform.throttled_for is not None:
            raise RateLimited("memshop: 429 on stock batch", self.platform.throttled_for)
        self.platform.pushes.append(list(updates))
        if self.platform.on_push is not None:
            self.platform.on_push()
        for update in updates:
            self.platform.stock[update.listing_id] = update.quantity
        return PushResult(accepted=[u.listing_id for u in updates], calls=1)

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        self._order_call(fulfillment.order_external_id)
        self.platform.fulfillments.append(fulfillment)
        return PushResult(accepted=[fulfillment.order_external_id], calls=1)

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult:
        self._order_call(order_external_id)
        if any(order == order_external_id for order, _ in self.platform.cancellations):
            raise SkippableRecordError(order_external_id, "status", "already cancelled")
        self.platform.cancellations.append((order_external_id, reason))
        return PushResult(accepted=[order_external_id], calls=1)

    def _order_call(self, order_external_id: str) -> None:
        if self.platform.push_down:
            raise RetriableError(f"memshop: 503 on order {order_external_id}")
        if order_external_id not in self.platform.orders:
            raise SkippableRecordError(order_external_id, "id", "404: no such order on memshop")


def woo_order(
    order_id: int,
    modified: str,
    lines: Sequence[tuple[str, int]] = (("SKU-A", 1),),
    *,
    status: str = "processing",
    price: str = "10.00",
    email: str = "buyer@example.com",
) -> dict[str, Any]:
    """A WooCommerce wc/v3 order (shape from the official docs' example response)."""
    items = [
        {
            "id": 100 * order_id + n,
            "name": sku,
            "product_id": 7,
            "variation_id": 0,
            "quantity": qty,
            "sku": sku,
            "subtotal": f"{float(price) * qty:.2f}",
            "subtotal_tax": "0.00",
            "total": f"{float(price) * qty:.2f}",
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
            "price": float(price),
        }
        for n, (sku, qty) in enumerate(lines)
    ]
    total = sum(float(price) * qty for _, qty in lines)
    return {
        "id": order_id,
        "status": status,
        "currency": "EUR",
        "date_created_gmt": "2026-11-01T09:00:00",
        "date_modified_gmt": modified,
        "date_paid_gmt": "2026-11-01T09:01:00" if status == "processing" else None,
        "prices_include_tax": False,
        "total": f"{total:.2f}",
        "total_tax": "0.00",
        "payment_method": "bacs",
        "transaction_id": "",
        "billing": {"first_name": "Ada", "last_name": "Lovelace", "email": email},
        "shipping": {"first_name": "Ada", "last_name": "Lovelace", "country": "DE"},
        "line_items": items,
        "shipping_lines": [],
        "tax_lines": [],
        "coupon_lines": [],
    }
