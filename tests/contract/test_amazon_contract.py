"""The Amazon SP-API connector passes the storefront contract kit. Orders here carry
their ``OrderItems`` already (as after getOrderItems), so the kit exercises paging and
failures; tests/contract/test_amazon.py covers the items calls themselves."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import StockLevelUpdate
from connectors.shop_platforms.amazon import AmazonConnector
from connectors.testing import StorefrontContract
from tests.contract import amazon_docs as docs


class TestAmazonContract(StorefrontContract):
    connector_class = AmazonConnector
    token_url = "https://api.amazon.com/auth/o2/token"
    config: ClassVar[dict[str, Any]] = {
        "marketplace_ids": ["ATVPDKIKX0DER"],
        "seller_id": "A2EXAMPLESELLER",
        "lwa_client_id": "amzn1.application-oa2-client.contract",
        "lwa_client_secret": "amzn1.oa2-cs.v1.contract-secret",
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        return docs.order(n, OrderItems=[docs.item(n)])

    def malformed_order_payload(self) -> dict[str, Any]:
        return {**docs.order(999, OrderItems=[]), "LastUpdateDate": "soon"}

    def stock_update(self, n: int) -> StockLevelUpdate:
        return StockLevelUpdate(listing_id=f"SKU-{n}", quantity=n % 7)

    def stock_items(self, request_json: Any) -> list[Any]:
        docs.check("listingsItems_2021-08-01.json", "ListingsItemPatchRequest", request_json)
        return [request_json]

    def stock_push_response(self, request_json: Any) -> Any:
        body = {"sku": "SKU", "status": "ACCEPTED", "submissionId": "f1dc2914", "issues": []}
        docs.check("listingsItems_2021-08-01.json", "ListingsItemSubmissionResponse", body)
        return body
