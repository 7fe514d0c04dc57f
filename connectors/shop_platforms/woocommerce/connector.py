"""WooCommerce (REST wc/v3): the reference connector. Mostly declarations.

Docs: ../shared/specs/woocommerce/ (_orders.md, _products.md, _webhooks.md,
_authentication.md). Orders changed since a time come from ``modified_after`` with
``dates_are_gmt=true`` so the filter and ``date_modified_gmt`` share one clock; pages
are ``page=N`` with the total in ``X-WP-TotalPages``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from pydantic import SecretStr, field_validator
from requests.auth import AuthBase

from connectors.base import (
    Capability,
    ConnectorConfig,
    FulfillmentPush,
    PushResult,
    RawPayout,
    RawRecord,
    RejectedItem,
    StockLevelUpdate,
    UnsupportedCapability,
    secret,
)
from connectors.shop_platforms.woocommerce.stripe_payouts import StripePayouts
from connectors.toolkit import (
    BasicAuth,
    OAuth1Auth,
    PageNumberPaginator,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
    verify_hmac_sha256_base64,
)
from hub.domain.settlements import Settlement
from mapping.payouts import stripe as stripe_mapping
from mapping.platforms import woocommerce as platform_mapping

_PING = re.compile(rb"webhook_id=\d+")


class WooCommerceConfig(ConnectorConfig):
    store_url: str  # e.g. https://shop.example.com (as the store's index reports it)
    consumer_key: SecretStr = secret("REST API consumer key (ck_...)")
    consumer_secret: SecretStr = secret("REST API consumer secret (cs_...)")
    webhook_secret: SecretStr | None = secret("secret set on the store's webhooks", default=None)
    per_page: int = 100
    # Shops paid through the WooCommerce Stripe gateway: a restricted key (read balance
    # and payouts) lets the hub pull Stripe's payouts with their fees.
    stripe_secret_key: SecretStr | None = secret("Stripe restricted key (rk_...)", default=None)

    @field_validator("store_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for OAuth 1.0a)")
        return value.rstrip("/")


class WooCommerceConnector(RestStorefrontConnector[WooCommerceConfig]):
    name: ClassVar[str] = "woocommerce"
    config_model = WooCommerceConfig
    map_order = staticmethod(platform_mapping.map_order)  # record -> unified Order
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.GET_ORDER,
            Capability.WEBHOOKS,
            Capability.PUSH_STOCK,
            Capability.PUSH_FULFILLMENT,
            Capability.PUSH_CANCELLATION,
            Capability.PULL_PAYOUTS,  # through Stripe, when a Stripe key is configured
        }
    )
    orders = Stream(
        path="orders",
        paginator=PageNumberPaginator(total_pages_header="X-WP-TotalPages"),
        updated_field="date_modified_gmt",
        params={"orderby": "date", "order": "asc", "status": "any"},
    )
    # wc/v3 documents no limit (self-hosted); stay polite to small shared hosts.
    rate_limit = RateLimit(capacity=10, rate=5.0)
    stock_batch_size = 100  # "By default it's limited to up to 100 objects"

    def base_url(self) -> str:
        return f"{self.config.store_url}/wp-json/wc/v3/"

    def authenticator(self) -> AuthBase:
        key = self.config.consumer_key.get_secret_value()
        if self.config.store_url.startswith("https://"):
            return BasicAuth(key, self.config.consumer_secret)
        # Plain HTTP: Basic would send the secret in clear; sign instead.
        return OAuth1Auth(key, self.config.consumer_secret)

    # ---- payouts (Stripe) ---------------------------------------------------------------

    def _stripe(self) -> StripePayouts:
        if self.config.stripe_secret_key is None:
            raise UnsupportedCapability(
                "woocommerce: payouts come from the payment gateway: set stripe_secret_key"
            )
        return StripePayouts(self.config.stripe_secret_key, self.context)

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        return self._stripe().iter_payouts(since)

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        return stripe_mapping.map_payout(raw.payload, channel)

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        gmt = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return {"modified_after": gmt, "dates_are_gmt": "true", "per_page": self.config.per_page}

    def to_record(self, item: Any) -> RawRecord:
        record = super().to_record(item)
        if not item.get("refunds") or "refund_details" in item:
            return record
        path = f"orders/{record.external_id}/refunds"
        details = self.record_part(
            record.external_id, "refunds", item, lambda: _refunds(self.http.get_json(path))
        )
        return RawRecord(record.kind, record.external_id, record.updated_at,
                         {**item, "refund_details": details})  # fmt: skip

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        tracking = {
            "carrier": fulfillment.carrier,
            "tracking_number": fulfillment.tracking_number,
            "tracking_url": fulfillment.tracking_url,
            "lines": dict(fulfillment.lines),
        }
        body = {"status": "completed", "meta_data": [{"key": "_hub_tracking", "value": tracking}]}
        self.http.request("PUT", f"orders/{fulfillment.order_external_id}", json=body)
        return PushResult([fulfillment.order_external_id], (), calls=1)

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult:
        note = {"note": f"Cancelled by the hub: {reason}", "customer_note": False}
        self.http.request("PUT", f"orders/{order_external_id}", json={"status": "cancelled"})
        self.http.request("POST", f"orders/{order_external_id}/notes", json=note)
        return PushResult([order_external_id], (), calls=2)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.config.webhook_secret
        signature = headers.get("X-WC-Webhook-Signature")
        return secret is not None and verify_hmac_sha256_base64(
            secret.get_secret_value(), body, signature
        )

    def is_webhook_ping(self, headers: Mapping[str, str], body: bytes) -> bool:
        # WC_Webhook::deliver_ping posts "webhook_id=N" unsigned and wants a 200 back.
        return "X-WC-Webhook-Topic" not in headers and _PING.fullmatch(body) is not None

    def webhook_topic(self, headers: Mapping[str, str]) -> str:
        return headers.get("X-WC-Webhook-Topic", "")

    def webhook_delivery_id(self, headers: Mapping[str, str]) -> str | None:
        return headers.get("X-WC-Webhook-Delivery-ID")

    def stock_group(self, update: StockLevelUpdate) -> str:
        return update.parent_id or ""

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        parent = chunk[0].parent_id
        path = f"products/{parent}/variations/batch" if parent else "products/batch"
        items = [
            {"id": int(u.listing_id), "manage_stock": True, "stock_quantity": u.quantity}
            for u in chunk
        ]
        return PageRequest(path, method="POST", json={"update": items})

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        # Each updated object comes back in order; a refused one carries an "error".
        answered = response.json().get("update", [])
        accepted: list[str] = []
        rejected: list[RejectedItem] = []
        for update, item in zip(chunk, answered, strict=False):
            error = item.get("error") if isinstance(item, dict) else None
            if error:
                reason = f"{error.get('code', 'error')}: {error.get('message', '')}"
                rejected.append(RejectedItem(update.listing_id, reason))
            else:
                accepted.append(update.listing_id)
        for update in chunk[len(answered) :]:
            rejected.append(RejectedItem(update.listing_id, "missing from the batch response"))
        return PushResult(accepted, rejected, calls=1)


def _refunds(body: Any) -> list[Any]:
    """GET orders/<id>/refunds answers a list of refunds (wc/v3 docs)."""
    if not isinstance(body, list):
        raise TypeError(f"expected a list of refunds, got {type(body).__name__}")
    return body
