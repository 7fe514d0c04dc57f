"""The Shopify connector passes the storefront contract kit."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.testing import StorefrontContract
from connectors.toolkit import hmac_sha256_base64
from tests.contract import shopify_docs as docs

CLIENT_SECRET = "shpss_contract_5e1f"


class TestShopifyContract(StorefrontContract):
    connector_class = ShopifyConnector
    config: ClassVar[dict[str, Any]] = {
        "shop_url": "https://hub-demo.myshopify.com",
        "access_token": "shpat_contract_0123456789",
        "client_secret": CLIENT_SECRET,
        "default_location_id": "gid://shopify/Location/1",
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        return docs.order(n)

    def malformed_order_payload(self) -> dict[str, Any]:
        return {**docs.order(999), "updatedAt": "yesterday"}

    def sign_webhook(self, body: bytes) -> dict[str, str]:
        return {
            "X-Shopify-Hmac-SHA256": hmac_sha256_base64(CLIENT_SECRET, body),
            "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        }

    def stock_items(self, request_json: Any) -> list[Any]:
        return list(request_json["variables"]["input"]["quantities"])

    def stock_push_response(self, request_json: Any) -> Any:
        return {
            "data": {
                "inventorySetQuantities": {
                    "inventoryAdjustmentGroup": {"reason": "correction", "changes": []},
                    "userErrors": [],
                }
            }
        }
