"""Shopify (Admin GraphQL API, pinned 2025-01): platform quirks only.

- Orders: ``orders(query: "updated_at:>='...'", sortKey: UPDATED_AT)`` with the cursor in
  the GraphQL variables; an order with more than 100 lines has the rest read with
  ``ORDER_LINES`` (same toolkit paginator). IDs stay GIDs.
- Throttling: points, not requests. ``extensions.cost.throttleStatus`` feeds the rate
  budget; a "Throttled" error (HTTP 200 or 429) waits as long as the bucket needs.
- Webhooks: ``X-Shopify-Hmac-SHA256`` over the raw body with the app's client secret;
  payloads are REST-shaped (the mapper reads both). ``refunds/create`` carries only the
  refund, so the whole order is re-read.
- Stock: ``inventorySetQuantities`` per (inventory item, location), 250 per call, with
  ``compareQuantity`` when the hub knows the figure it last saw (a stale one is refused
  per item and healed by the next resync).
- Fulfillment: the order's fulfillment orders, then ``fulfillmentCreate`` with tracking.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    RawRecord,
    RejectedItem,
    SkippableRecordError,
    StockLevelUpdate,
    WebhookDelivery,
    secret,
)
from connectors.shop_platforms.shopify import queries as q
from connectors.shop_platforms.shopify.payouts import ShopifyPayouts
from connectors.toolkit import (
    ApiKeyHeaderAuth,
    CursorPaginator,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
    parse_utc,
    shopify_graphql_throttle,
    verify_hmac_sha256_base64,
)
from connectors.toolkit.graphql import GraphQLError, graphql_errors, user_errors
from mapping.platforms import shopify as platform_mapping

__all__ = ["ShopifyConfig", "ShopifyConnector", "ShopifyLocation"]


def _cursor(*path: str) -> CursorPaginator:
    return CursorPaginator(
        cursor_path=("data", *path, "pageInfo", "endCursor"),
        has_more_path=("data", *path, "pageInfo", "hasNextPage"),
        body_path=("variables", "after"),
        param=None,
    )


class ShopifyConfig(ConnectorConfig):
    shop_url: str  # https://<shop>.myshopify.com (http:// only for a local simulator)
    access_token: SecretStr = secret("Admin API access token (shpat_...)")
    client_secret: SecretStr | None = secret("app client secret (webhook HMAC)", default=None)
    api_version: str = q.API_VERSION
    page_size: int = 25
    default_location_id: str | None = None  # gid://shopify/Location/...
    reason: str = "correction"  # inventorySetQuantities reason (documented set)

    @field_validator("shop_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https://")
        return value.rstrip("/")


@dataclass(frozen=True)
class ShopifyLocation:
    id: str  # GID
    name: str
    fulfills_online_orders: bool


class ShopifyConnector(RestStorefrontConnector[ShopifyConfig], ShopifyPayouts):
    name: ClassVar[str] = "shopify"
    config_model = ShopifyConfig
    map_order = staticmethod(platform_mapping.map_order)  # record -> unified Order
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.GET_ORDER,
            Capability.WEBHOOKS,
            Capability.PUSH_STOCK,
            Capability.PUSH_FULFILLMENT,
            Capability.PUSH_CANCELLATION,
            Capability.PULL_PAYOUTS,
        }
    )
    orders = Stream(
        path="graphql.json",
        method="POST",
        body={"query": q.ORDERS, "variables": {}},
        paginator=_cursor("orders"),
        records_path=("data", "orders", "nodes"),
        updated_field="updatedAt",
    )
    # Cost points: Standard plans restore 100/s from a 2,000 bucket; the feeder corrects both.
    rate_limit = RateLimit(capacity=2000, rate=100.0)
    rate_family = "graphql"
    rate_feeders = (shopify_graphql_throttle,)
    response_checks = (graphql_errors,)
    stock_batch_size = 250  # inventorySetQuantities: at most 250 quantities per call

    def base_url(self) -> str:
        return f"{self.config.shop_url}/admin/api/{self.config.api_version}/"

    def authenticator(self) -> AuthBase:
        return ApiKeyHeaderAuth("X-Shopify-Access-Token", self.config.access_token)

    def first_request(self, since: datetime) -> PageRequest:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        variables = {"first": self.config.page_size, "query": f"updated_at:>='{stamp}'"}
        return PageRequest(
            self.orders.path, json={"query": q.ORDERS, "variables": variables}, method="POST"
        )

    # ---- records -----------------------------------------------------------------------

    def to_record(self, item: Any) -> RawRecord:
        if not isinstance(item, Mapping):
            raise SkippableRecordError("?", "(record)", "not a JSON object", item)
        # GraphQL nodes carry the GID in ``id``; REST webhooks in ``admin_graphql_api_id``.
        gid = item.get("admin_graphql_api_id") or item.get("id")
        if not gid:
            raise SkippableRecordError("?", "id", "missing", item)
        stamp = item.get("updatedAt") or item.get("updated_at") or item.get("created_at")
        try:
            updated = parse_utc(stamp)
        except ValueError as exc:
            raise SkippableRecordError(str(gid), "updatedAt", str(exc), item) from None
        lines = item.get("lineItems")
        if isinstance(lines, Mapping) and _more_lines(str(gid), lines, item):
            more = self.record_part(
                str(gid), "lineItems", item, lambda: self._all_lines(str(gid), lines)
            )
            item = {**item, "lineItems": {"nodes": more}}
        return RawRecord("order", str(gid), updated, item)

    def _all_lines(self, gid: str, first: Mapping[str, Any]) -> list[Any]:
        nodes = first.get("nodes")
        if not isinstance(nodes, list):
            raise TypeError(f"lineItems.nodes is a {type(nodes).__name__}, not a list")
        nodes = list(nodes)
        start = PageRequest(
            self.orders.path,
            json={"query": q.ORDER_LINES, "variables": {"id": gid}},
            method="POST",
        )
        paginator = _cursor("order", "lineItems")

        def lines_of(response: requests.Response) -> Sequence[Any]:
            found = response.json()["data"]["order"]["lineItems"]["nodes"]
            if not isinstance(found, list):
                raise TypeError(f"lineItems.nodes is a {type(found).__name__}, not a list")
            return found

        resume = first["pageInfo"].get("endCursor")
        if not isinstance(resume, str) or not resume:
            raise TypeError("lineItems.pageInfo.endCursor: no cursor for the next page")
        for page, _ in paginator.pages(self._send, start, lines_of, resume):
            nodes += page
        return nodes

    def get_order(self, external_id: str) -> RawRecord:
        body = self.graphql(q.ORDER, {"id": external_id})
        node = body["data"]["order"]
        if node is None:
            raise GraphQLError(f"shopify: order {external_id} not found")
        return self.to_record(node)

    def graphql(self, document: str, variables: Mapping[str, Any]) -> Any:
        response = self.http.request(
            "POST", self.orders.path, json={"query": document, "variables": dict(variables)}
        )
        return response.json()

    def list_locations(self) -> list[ShopifyLocation]:
        """The shop's active locations, to map onto hub warehouses."""
        start = PageRequest(
            self.orders.path, json={"query": q.LOCATIONS, "variables": {}}, method="POST"
        )
        found: list[ShopifyLocation] = []
        pages = _cursor("locations").pages(
            self._send, start, lambda r: list(r.json()["data"]["locations"]["nodes"])
        )
        for nodes, _ in pages:
            found += [
                ShopifyLocation(n["id"], n["name"], bool(n.get("fulfillsOnlineOrders")))
                for n in nodes
            ]
        return found

    # ---- webhooks ----------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret_ = self.config.client_secret
        signature = headers.get("X-Shopify-Hmac-SHA256")
        return secret_ is not None and verify_hmac_sha256_base64(
            secret_.get_secret_value(), body, signature
        )

    def webhook_topic(self, headers: Mapping[str, str]) -> str:
        return headers.get("X-Shopify-Topic", "")

    def webhook_delivery_id(self, headers: Mapping[str, str]) -> str | None:
        return headers.get("X-Shopify-Webhook-Id") or headers.get("X-Shopify-Event-Id")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        delivery = super().parse_webhook(headers, body)
        if delivery.topic != "refunds/create":
            return delivery
        # A refund is not an order (it has no updated_at, so the base skips it as a record):
        # what counts is the order it names, which is read again whole.
        try:
            refund = json.loads(body)
        except (ValueError, RecursionError):
            return delivery  # unreadable: already in delivery.skipped
        order_id = refund.get("order_id") if isinstance(refund, Mapping) else None
        if not isinstance(order_id, int | str) or isinstance(order_id, bool) or order_id == "":
            refund_id = refund.get("id", "?") if isinstance(refund, Mapping) else "?"
            problem = SkippableRecordError(
                f"refund {refund_id}", "order_id", "missing or not an id", refund
            )
            return WebhookDelivery(delivery.delivery_id, delivery.topic, (), (problem,))
        record = self.get_order(f"gid://shopify/Order/{order_id}")
        return WebhookDelivery(delivery.delivery_id, delivery.topic, [record])

    # ---- stock -------------------------------------------------------------------------

    def stock_group(self, update: StockLevelUpdate) -> str:
        # compareQuantity is checked per call: known and unknown figures go separately.
        return "compare" if update.expected is not None else "set"

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        compare = chunk[0].expected is not None
        quantities = []
        for update in chunk:
            item = {
                "inventoryItemId": _gid("InventoryItem", update.listing_id),
                "locationId": _gid("Location", self._location(update)),
                "quantity": update.quantity,
            }
            if compare:
                item["compareQuantity"] = update.expected
            quantities.append(item)
        variables = {
            "input": {
                "name": "available",
                "reason": self.config.reason,
                "referenceDocumentUri": "hub://stock-sync",
                "ignoreCompareQuantity": not compare,
                "quantities": quantities,
            }
        }
        return PageRequest(
            self.orders.path,
            method="POST",
            json={"query": q.SET_QUANTITIES, "variables": variables},
        )

    def _location(self, update: StockLevelUpdate) -> str:
        location = update.location_id or self.config.default_location_id
        if not location:
            raise SkippableRecordError(update.listing_id, "location_id", "no Shopify location")
        return location

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        # The mutation is all or nothing: one refused quantity leaves the call unapplied
        # (inventoryAdjustmentGroup is null), so every item is reported, the culprit with
        # its own reason; the relay pushes the others again.
        errors = user_errors(response.json(), ("data", "inventorySetQuantities"))
        if not errors:
            return PushResult([u.listing_id for u in chunk], (), calls=1)
        reasons: dict[int, str] = {}
        general: list[str] = []
        for error in errors:
            where = [str(p) for p in error.get("field") or []]
            reason = f"{error.get('code', 'error')}: {error.get('message', '')}"
            if len(where) > 2 and where[1] == "quantities" and where[2].isdigit():
                reasons[int(where[2])] = reason
            else:
                general.append(reason)
        fallback = "; ".join(general) or "not applied: another item of the call was refused"
        rejected = [
            RejectedItem(u.listing_id, reasons.get(i, fallback)) for i, u in enumerate(chunk)
        ]
        return PushResult((), rejected, calls=1)

    # ---- fulfillment and cancellation --------------------------------------------------

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        order_id = _gid("Order", fulfillment.order_external_id)
        body = self.graphql(q.FULFILLMENT_ORDERS, {"id": order_id})
        wanted = {_gid("LineItem", k): v for k, v in fulfillment.lines.items()}
        by_order: list[dict[str, Any]] = []
        for fo in body["data"]["order"]["fulfillmentOrders"]["nodes"]:
            if fo.get("status") not in ("OPEN", "IN_PROGRESS"):
                continue
            items = []
            for item in fo["lineItems"]["nodes"]:
                line = item["lineItem"]["id"]
                take = min(wanted.get(line, 0), int(item["remainingQuantity"]))
                if take > 0:
                    items.append({"id": item["id"], "quantity": take})
                    wanted[line] -= take
            if items:
                by_order.append(
                    {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items}
                )
        missing = [RejectedItem(k, "nothing left to fulfil") for k, v in wanted.items() if v > 0]
        if not by_order:
            return PushResult((), missing, 1)
        tracking = {"company": fulfillment.carrier, "number": fulfillment.tracking_number}
        if fulfillment.tracking_url:
            tracking["url"] = fulfillment.tracking_url
        variables = {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": by_order,
                "trackingInfo": tracking,
                "notifyCustomer": True,
            }
        }
        result = self.graphql(q.CREATE_FULFILLMENT, variables)
        errors = user_errors(result, ("data", "fulfillmentCreate"))
        if errors:
            reason = "; ".join(str(e.get("message")) for e in errors)
            return PushResult((), [RejectedItem(order_id, reason)], 2)
        return PushResult([order_id], missing, 2)

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult:
        order_id = _gid("Order", order_external_id)
        variables = {
            "orderId": order_id,
            "reason": "OTHER",
            "notifyCustomer": False,
            "refund": False,
            "restock": False,
            "staffNote": reason[:255],
        }
        result = self.graphql(q.CANCEL_ORDER, variables)
        errors = result["data"]["orderCancel"]["orderCancelUserErrors"]
        if errors:
            text = "; ".join(str(e.get("message")) for e in errors)
            return PushResult((), [RejectedItem(order_id, text)], 1)
        return PushResult([order_id], (), 1)


def _gid(kind: str, value: str) -> str:
    """Hub listings may hold numeric ids (REST era) or GIDs: always send GIDs."""
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def _more_lines(gid: str, lines: Mapping[str, Any], item: Any) -> bool:
    """Whether the order's lineItems connection says more pages follow (pageInfo as the
    schema has it: an object with a boolean hasNextPage)."""
    info = lines.get("pageInfo")
    if info is None:
        return False
    more = info.get("hasNextPage") if isinstance(info, Mapping) else None
    if not isinstance(more, bool):
        reason = "pageInfo.hasNextPage is not a boolean: cannot tell whether lines are missing"
        raise SkippableRecordError(gid, "lineItems", reason, item)
    return more
