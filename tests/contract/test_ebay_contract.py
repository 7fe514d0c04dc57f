"""The eBay connector passes the storefront contract kit."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import StockLevelUpdate
from connectors.shop_platforms.ebay import EbayConnector
from connectors.testing import StorefrontContract
from tests.contract import ebay_docs as docs


class TestEbayContract(StorefrontContract):
    connector_class = EbayConnector
    token_url = "https://api.ebay.com/identity/v1/oauth2/token"
    config: ClassVar[dict[str, Any]] = {
        "client_id": "HubApp-hub-PRD-contract",
        "client_secret": "PRD-contract-cert-secret",
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        return docs.order(n)

    def malformed_order_payload(self) -> dict[str, Any]:
        return {**docs.order(999), "lastModifiedDate": "later"}

    def stock_update(self, n: int) -> StockLevelUpdate:
        return StockLevelUpdate(listing_id=f"SKU-{n}", quantity=n % 7)

    def stock_items(self, request_json: Any) -> list[Any]:
        docs.check(docs.INVENTORY, "BulkPriceQuantity", request_json)
        return list(request_json["requests"])

    def stock_push_response(self, request_json: Any) -> Any:
        body = {
            "responses": [
                {"statusCode": 200, "sku": r["sku"], "errors": [], "warnings": []}
                for r in request_json["requests"]
            ]
        }
        docs.check(docs.INVENTORY, "BulkPriceQuantityResponse", body)
        return body
