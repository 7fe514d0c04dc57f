"""The WooCommerce reference connector passes the storefront contract kit."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.shop_platforms.woocommerce import WooCommerceConnector
from connectors.testing import StorefrontContract
from connectors.toolkit import hmac_sha256_base64
from tests.contract import woocommerce_docs as docs

WEBHOOK_SECRET = "whsec-contract-7f3a"


class TestWooCommerceContract(StorefrontContract):
    connector_class = WooCommerceConnector
    config: ClassVar[dict[str, Any]] = {
        "store_url": "https://shop.example.com",
        "consumer_key": "ck_contract_0123456789abcdef",
        "consumer_secret": "cs_contract_fedcba9876543210",
        "webhook_secret": WEBHOOK_SECRET,
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        return docs.order(n)

    def malformed_order_payload(self) -> dict[str, Any]:
        return {**docs.order(999), "date_modified_gmt": "not a date"}

    def sign_webhook(self, body: bytes) -> dict[str, str]:
        return {
            "X-WC-Webhook-Signature": hmac_sha256_base64(WEBHOOK_SECRET, body),
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Delivery-ID": "31",
        }

    def stock_items(self, request_json: Any) -> list[Any]:
        return list(request_json["update"])

    def stock_push_response(self, request_json: Any) -> Any:
        template = docs.documented_batch_response()["update"][0]
        return {"update": [{**template, **item} for item in request_json["update"]]}
