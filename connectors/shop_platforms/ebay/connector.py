"""eBay: Sell Fulfillment API v1 (orders, shipping fulfillments) and Sell Inventory API v1
(stock). Quirks only.

- Orders changed since T: ``filter=lastmodifieddate:[T..]`` (ISO 8601 with milliseconds,
  UTC), pages by ``offset``/``limit`` (at most 200) with ``total`` in the body.
- Orders are read with ``fieldGroups=TAX_BREAKDOWN``: only then do ``pricingSummary.total``
  and the lines' totals include the 'Collect and Remit' tax the buyer paid, and the lines'
  ``taxes`` name their tax type (PricingSummary.total in the Fulfillment API reference).
- Auth: a user access token (2 h) refreshed with the long-lived refresh token at the
  identity endpoint, client id/secret in HTTP Basic.
- Stock: ``bulk_update_price_quantity``, at most 25 SKUs per call; the answer is 200 or
  207 (multi-status) with one ``statusCode`` per SKU.
- Shipment: ``POST /order/{orderId}/shipping_fulfillment`` with carrier and tracking.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from connectors.shop_platforms.ebay.payouts import FINANCES_SCOPE, EbayPayouts
from connectors.toolkit import (
    OAuth2TokenClient,
    OffsetPaginator,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
)
from mapping.platforms import ebay as platform_mapping

__all__ = ["EbayConfig", "EbayConnector"]

SCOPES = (
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment "
    "https://api.ebay.com/oauth/api_scope/sell.inventory"
)

TAX_BREAKDOWN = "TAX_BREAKDOWN"


class EbayConfig(ConnectorConfig):
    api_url: str = "https://api.ebay.com"
    token_url: str = "https://api.ebay.com/identity/v1/oauth2/token"
    client_id: str
    client_secret: SecretStr = secret("eBay app client secret (Cert ID)")
    # The seller's user refresh token from eBay's consent flow (valid 18 months): the
    # connection's token store starts from it and keeps each refreshed access token.
    refresh_token: SecretStr | None = secret("eBay user refresh token", default=None)
    marketplace_id: str = "EBAY_US"
    page_size: int = 100
    # Payouts (Finances API) need the seller's consent to one more scope: asked for only
    # when set, so a refresh token granted without it keeps working.
    finances: bool = False
    finances_url: str = "https://apiz.ebay.com"


class EbayConnector(RestStorefrontConnector[EbayConfig], EbayPayouts):
    name: ClassVar[str] = "ebay"
    config_model = EbayConfig
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
        path="sell/fulfillment/v1/order",
        paginator=OffsetPaginator(limit=100, total_path=("total",)),
        records_path=("orders",),
        params={"fieldGroups": TAX_BREAKDOWN},
        id_field="orderId",
        updated_field="lastModifiedDate",
    )
    # Sell APIs count calls per day (Fulfillment 100,000, Inventory 2,000,000): stay smooth.
    rate_limit = RateLimit(capacity=20, rate=5.0)
    stock_batch_size = 25  # bulk_update_price_quantity: up to 25 SKUs

    def base_url(self) -> str:
        return self.config.api_url.rstrip("/") + "/"

    def authenticator(self) -> AuthBase:
        refresh = OAuth2TokenClient(
            token_url=self.config.token_url,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=f"{SCOPES} {FINANCES_SCOPE}" if self.config.finances else SCOPES,
        )
        return self.oauth2(refresh)

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {"filter": f"lastmodifieddate:[{stamp}..]"}

    def get_order(self, external_id: str) -> RawRecord:
        path = f"{self.orders.path}/{external_id}"
        return self.to_record(self.http.get_json(path, params={"fieldGroups": TAX_BREAKDOWN}))

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        requests_ = [
            {"sku": u.listing_id, "shipToLocationAvailability": {"quantity": u.quantity}}
            for u in chunk
        ]
        return PageRequest(
            "sell/inventory/v1/bulk_update_price_quantity",
            method="POST",
            json={"requests": requests_},
        )

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        answers = {str(r.get("sku")): r for r in response.json().get("responses") or []}
        accepted: list[str] = []
        rejected: list[RejectedItem] = []
        for update in chunk:
            answer = answers.get(update.listing_id)
            if answer is None:
                rejected.append(RejectedItem(update.listing_id, "missing from the response"))
            elif int(answer.get("statusCode", 0)) == 200:
                accepted.append(update.listing_id)
            else:
                errors = answer.get("errors") or []
                reason = "; ".join(f"{e.get('errorId')}: {e.get('message')}" for e in errors)
                rejected.append(RejectedItem(update.listing_id, reason or str(answer)))
        return PushResult(accepted, rejected, calls=1)

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        order_id = fulfillment.order_external_id
        body = {
            "lineItems": [
                {"lineItemId": k, "quantity": v} for k, v in sorted(fulfillment.lines.items())
            ],
            "shippedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "shippingCarrierCode": fulfillment.carrier,
            "trackingNumber": fulfillment.tracking_number,
        }
        path = f"sell/fulfillment/v1/order/{order_id}/shipping_fulfillment"
        self.http.request("POST", path, json=body)
        return PushResult([order_id], (), calls=1)
