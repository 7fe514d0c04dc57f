"""Amazon Selling Partner API: Orders v0 and Listings Items 2021-08-01. Quirks only.

- Orders changed since T: ``getOrders`` with ``LastUpdatedAfter`` (never mixed with the
  Created* family) and ``NextToken``; an order's lines come from ``getOrderItems`` (paged
  the same way) and are attached to the record as ``OrderItems``.
- Each operation has its own token bucket (getOrders 0.0167/s burst 20, getOrderItems
  0.5/s burst 30, patchListingsItem 5/s burst 5): one budget per operation, corrected by
  ``x-amzn-RateLimit-Limit``.
- Auth: LWA refresh token -> access token (1 h) in ``x-amz-access-token``; no SigV4.
- Stock (merchant-fulfilled only): ``patchListingsItem`` replacing
  ``fulfillment_availability`` for channel DEFAULT, one SKU per call.
- Shipment: ``confirmShipment`` with the package, carrier and tracking number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from pydantic import SecretStr
from requests.auth import AuthBase

from connectors.base import (
    Capability,
    ConnectorConfig,
    FulfillmentPush,
    PushResult,
    RawRecord,
    RejectedItem,
    StockLevelUpdate,
    secret,
)
from connectors.shop_platforms.amazon.payouts import AmazonPayouts
from connectors.toolkit import (
    HttpClient,
    NextTokenPaginator,
    OAuth2TokenClient,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
    amazon_rate_limit,
)
from mapping.platforms import amazon as platform_mapping

__all__ = ["AmazonConfig", "AmazonConnector"]

GET_ORDERS = RateLimit(capacity=20, rate=0.0167)
GET_ORDER_ITEMS = RateLimit(capacity=30, rate=0.5)
PATCH_LISTINGS = RateLimit(capacity=5, rate=5.0)


class AmazonConfig(ConnectorConfig):
    endpoint: str = "https://sellingpartnerapi-na.amazon.com"
    marketplace_ids: list[str]  # e.g. ["ATVPDKIKX0DER"]
    seller_id: str
    lwa_client_id: str
    lwa_client_secret: SecretStr = secret("LWA client secret")
    # The selling partner's LWA refresh token from authorizing the app: the connection's
    # token store starts from it and keeps each refreshed access token.
    refresh_token: SecretStr | None = secret("LWA refresh token (Atzr|...)", default=None)
    lwa_token_url: str = "https://api.amazon.com/auth/o2/token"
    product_type: str = "PRODUCT"  # listings' product type, needed by every patch
    page_size: int = 100


class AmazonConnector(RestStorefrontConnector[AmazonConfig], AmazonPayouts):
    name: ClassVar[str] = "amazon"
    config_model = AmazonConfig
    map_order = staticmethod(platform_mapping.map_order)  # record -> unified Order
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.GET_ORDER,
            Capability.PUSH_STOCK,
            Capability.PUSH_FULFILLMENT,
            Capability.PULL_PAYOUTS,
        }
    )
    orders = Stream(
        path="orders/v0/orders",
        paginator=NextTokenPaginator(),
        records_path=("payload", "Orders"),
        id_field="AmazonOrderId",
        updated_field="LastUpdateDate",
    )
    rate_limit = GET_ORDERS
    rate_family = "getOrders"
    rate_feeders = (amazon_rate_limit,)
    stock_batch_size = 1  # patchListingsItem sets one SKU

    def __init__(self, config: AmazonConfig, context: Any = None) -> None:
        super().__init__(config, context)
        self.items_http = self.client_for("getOrderItems", GET_ORDER_ITEMS)
        self.listings_http: HttpClient | None = None

    def base_url(self) -> str:
        return self.config.endpoint.rstrip("/") + "/"

    def authenticator(self) -> AuthBase:
        lwa = OAuth2TokenClient(
            token_url=self.config.lwa_token_url,
            client_id=self.config.lwa_client_id,
            client_secret=self.config.lwa_client_secret,
            credentials_in_body=True,  # LWA wants client_id/secret in the form
        )
        return self.oauth2(lwa, header="x-amz-access-token", scheme="")

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        return {
            "MarketplaceIds": ",".join(self.config.marketplace_ids),
            "LastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "MaxResultsPerPage": self.config.page_size,
        }

    # ---- records -----------------------------------------------------------------------

    def to_record(self, item: Any) -> RawRecord:
        record = super().to_record(item)
        if "OrderItems" in item:
            return record
        order_id = record.external_id
        items = self.record_part(order_id, "OrderItems", item, lambda: self._order_items(order_id))
        return RawRecord(
            record.kind, record.external_id, record.updated_at, {**item, "OrderItems": items}
        )

    def _order_items(self, order_id: str) -> list[Any]:
        start = PageRequest(f"orders/v0/orders/{order_id}/orderItems")

        def send(request: PageRequest) -> requests.Response:
            return self.items_http.request("GET", request.path, params=request.params or None)

        found: list[Any] = []
        pages = NextTokenPaginator().pages(send, start, _order_items_of)
        for items, _ in pages:
            found += items
        return found

    def get_order(self, external_id: str) -> RawRecord:
        body = self.http.get_json(f"orders/v0/orders/{external_id}")
        return self.to_record(body["payload"])

    # ---- stock -------------------------------------------------------------------------

    def stock_client(self) -> HttpClient:
        if self.listings_http is None:
            self.listings_http = self.client_for("patchListingsItem", PATCH_LISTINGS)
        return self.listings_http

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        (update,) = chunk
        availability = [{"fulfillment_channel_code": "DEFAULT", "quantity": update.quantity}]
        body = {
            "productType": self.config.product_type,
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": availability,
                }
            ],
        }
        path = f"listings/2021-08-01/items/{self.config.seller_id}/{update.listing_id}"
        params = {"marketplaceIds": ",".join(self.config.marketplace_ids)}
        return PageRequest(path, params=params, json=body, method="PATCH")

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        body: Mapping[str, Any] = response.json()
        (update,) = chunk
        if body.get("status") == "ACCEPTED":
            return PushResult([update.listing_id], (), 1)
        errors = [i for i in body.get("issues") or [] if i.get("severity") == "ERROR"]
        reason = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in errors)
        return PushResult(
            (), [RejectedItem(update.listing_id, reason or str(body.get("status")))], 1
        )

    # ---- shipment ----------------------------------------------------------------------

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        order_id = fulfillment.order_external_id
        body = {
            "marketplaceId": self.config.marketplace_ids[0],
            "packageDetail": {
                "packageReferenceId": fulfillment.tracking_number[-20:] or "1",
                "carrierCode": fulfillment.carrier,
                "trackingNumber": fulfillment.tracking_number,
                "shipDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "orderItems": [
                    {"orderItemId": k, "quantity": v} for k, v in sorted(fulfillment.lines.items())
                ],
            },
        }
        self.http.request("POST", f"orders/v0/orders/{order_id}/shipmentConfirmation", json=body)
        return PushResult([order_id], (), 1)


def _order_items_of(response: requests.Response) -> list[Any]:
    """payload.OrderItems of a getOrderItems answer: a list, or the answer is not one."""
    items = response.json()["payload"]["OrderItems"]
    if not isinstance(items, list):
        raise TypeError(f"payload.OrderItems is a {type(items).__name__}, not a list")
    return items
