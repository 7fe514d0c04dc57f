"""The contract kit serves every toolkit paginator: four more connector styles pass it.

Shopify-REST-like (Link header with page_info), Amazon-like (payload.NextToken),
Medusa/eBay-like (offset with a total) and GraphQL (POST, cursor in the variables,
hasNextPage). Each is a few declarations; the kit needs a dozen lines of setup."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import SecretStr
from requests.auth import AuthBase

from connectors.base import Capability, ConnectorConfig, StockLevelUpdate, secret
from connectors.testing import StorefrontContract
from connectors.toolkit import (
    ApiKeyHeaderAuth,
    CursorPaginator,
    LinkHeaderPaginator,
    NextTokenPaginator,
    OffsetPaginator,
    PageRequest,
    RestStorefrontConnector,
    Stream,
    hmac_sha256_base64,
    verify_hmac_sha256_base64,
)
from hub.domain.errors import InvalidValue
from hub.domain.orders import Order
from mapping.mapper import Context

SECRET = "shpss_test"
ALL = frozenset({Capability.PULL_ORDERS, Capability.WEBHOOKS, Capability.PUSH_STOCK})


class ShopConfig(ConnectorConfig):
    shop: str
    token: SecretStr = secret("admin API access token")
    client_secret: SecretStr = secret("app client secret (webhook HMAC)")


def map_minimal(record: Mapping[str, Any], context: Context) -> Order:
    """These styles' orders carry only an id and a time: enough for a unified order."""
    key = record.get("id", record.get("AmazonOrderId"))
    if key is None:
        raise InvalidValue("id", None, "is required", record="order")
    assert context.currency is not None
    return Order(context.tenant_id, context.channel_id, str(key), context.currency,
                 datetime(2025, 1, 2, tzinfo=UTC))  # fmt: skip


class ShopifyLike(RestStorefrontConnector[ShopConfig]):
    name = "shopify_like"
    config_model = ShopConfig
    map_order = staticmethod(map_minimal)
    capabilities = ALL
    orders = Stream(
        path="orders.json",
        paginator=LinkHeaderPaginator(),
        records_path=("orders",),
        updated_field="updated_at",
        params={"status": "any", "limit": 250},
    )

    def base_url(self) -> str:
        return f"https://{self.config.shop}.myshopify.com/admin/api/2025-01/"

    def authenticator(self) -> AuthBase:
        return ApiKeyHeaderAuth("X-Shopify-Access-Token", self.config.token)

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        return {"updated_at_min": since.astimezone(UTC).isoformat()}

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        signature = headers.get("X-Shopify-Hmac-SHA256")
        return verify_hmac_sha256_base64(
            self.config.client_secret.get_secret_value(), body, signature
        )

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        levels = [{"inventory_item_id": u.listing_id, "available": u.quantity} for u in chunk]
        return PageRequest("inventory_levels/set_many.json", method="POST", json={"levels": levels})


class GraphQLLike(ShopifyLike):
    name = "graphql_like"
    orders = Stream(
        path="graphql.json",
        method="POST",
        body={"query": "query($first:Int!,$after:String,$q:String){...}", "variables": {}},
        paginator=CursorPaginator(
            cursor_path=("data", "orders", "pageInfo", "endCursor"),
            has_more_path=("data", "orders", "pageInfo", "hasNextPage"),
            body_path=("variables", "after"),
            param=None,
        ),
        records_path=("data", "orders", "nodes"),
        updated_field="updatedAt",
    )

    def first_request(self, since: datetime) -> PageRequest:
        variables = {"first": 250, "q": f"updated_at:>='{since.astimezone(UTC).isoformat()}'"}
        body = {**self.orders.body, "variables": variables}
        return PageRequest(self.orders.path, json=body, method="POST")


class NextTokenLike(ShopifyLike):
    """Amazon SP-API orders v0 shape: payload.Orders and payload.NextToken."""

    name = "next_token_like"
    orders = Stream(
        path="orders/v0/orders",
        paginator=NextTokenPaginator(),
        records_path=("payload", "Orders"),
        id_field="AmazonOrderId",
        updated_field="LastUpdateDate",
        params={"MarketplaceIds": "ATVPDKIKX0DER"},
    )

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        return {"LastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


class OffsetLike(ShopifyLike):
    """Medusa / eBay shape: offset + limit, total in "count"."""

    name = "offset_like"
    orders = Stream(
        path="admin/orders",
        paginator=OffsetPaginator(limit=50, total_path=("count",)),
        records_path=("orders",),
        updated_field="updated_at",
    )

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        return {"updated_at[$gte]": since.astimezone(UTC).isoformat()}


class _Shopish(StorefrontContract):
    config: ClassVar[dict[str, Any]] = {"shop": "demo", "token": "shpat_x", "client_secret": SECRET}
    updated_key: ClassVar[str] = "updated_at"

    def order_payload(self, n: int) -> dict[str, Any]:
        return {"id": n, self.updated_key: "2025-01-02T10:00:00-05:00", "total_price": "9.50"}

    def malformed_order_payload(self) -> dict[str, Any]:
        return {"total_price": "1.00"}  # no id

    def sign_webhook(self, body: bytes) -> dict[str, str]:
        return {"X-Shopify-Hmac-SHA256": hmac_sha256_base64(SECRET, body)}

    def stock_items(self, request_json: Any) -> list[Any]:
        return list(request_json["levels"])

    def stock_push_response(self, request_json: Any) -> Any:
        return {"inventory_levels": request_json["levels"]}


class TestShopifyLikeContract(_Shopish):
    connector_class = ShopifyLike


class TestNextTokenLikeContract(_Shopish):
    connector_class = NextTokenLike
    updated_key = "LastUpdateDate"

    def order_payload(self, n: int) -> dict[str, Any]:
        return {"AmazonOrderId": f"902-{n:07d}", "LastUpdateDate": "2025-01-02T10:00:00Z"}


class TestOffsetLikeContract(_Shopish):
    connector_class = OffsetLike


class TestGraphQLLikeContract(_Shopish):
    connector_class = GraphQLLike
    updated_key = "updatedAt"

    def test_the_cursor_travels_in_the_graphql_variables(self, connector: Any, api: Any) -> None:
        self.serve(api, connector, [self.order_payload(1)], [self.order_payload(2)])
        self.pull(connector)
        second = json.loads(api.calls[1].request.body)
        assert second["variables"]["after"] == "p1"
        assert second["variables"]["q"].startswith("updated_at:>=")
