"""Medusa v2 (self-hosted; Admin API, tested against a real 2.21.2 server). Quirks only.

- Auth: a secret API key (``sk_...``) as the HTTP Basic user name, empty password.
- Orders changed since T: ``updated_at[$gte]`` with ``order=updated_at``, offset paging
  (``count`` in the body); ``fields`` must name everything mapped (the default set has no
  email, currency or address).
- Capturing a payment does not move ``updated_at``: a record's version is the newest of
  the order's and its payment collections' ``updated_at``, and after the changed-since
  pages the still-pending orders are read again, so a capture is seen on the next pull.
- Later life comes with the order (``fields``): ``canceled_at``, the payment records with
  their ``captures`` and ``refunds``, and ``returns`` with their items; the mapper
  (mapping/platforms/medusa.py) says what each means for the hub.
- Stock is per inventory item *and* location, and Medusa keeps its own reservations for
  the orders the hub allocated too: the hub's sellable figure is written as
  ``stocked_quantity = figure + Medusa's reserved_quantity``, through the batch endpoint,
  creating levels that do not exist yet (no upsert: updating one gives 404).
- Shipment: a fulfillment from a location, then a shipment carrying the tracking label.
- Cancellation: ``POST /admin/orders/{id}/cancel`` takes no reason; Medusa refuses (409)
  an order with captured payments or live fulfillments, which ends in the error queue.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    Page,
    PushResult,
    RawRecord,
    SkippableRecordError,
    StockLevelUpdate,
    secret,
)
from connectors.toolkit import (
    BasicAuth,
    OffsetPaginator,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
    parse_utc,
)
from mapping.platforms import medusa as platform_mapping

__all__ = ["ORDER_FIELDS", "MedusaConfig", "MedusaConnector", "MedusaLocation"]

ORDER_FIELDS = (
    "id,display_id,status,payment_status,fulfillment_status,email,currency_code,total,"
    "subtotal,tax_total,shipping_total,discount_total,created_at,updated_at,"
    "*items,*items.tax_lines,*shipping_address,*shipping_methods,*shipping_methods.tax_lines,"
    "canceled_at,payment_collections.updated_at,payment_collections.status,"
    "*payment_collections.payments,*payment_collections.payments.captures,"
    "*payment_collections.payments.refunds,*payment_collections.payments.refunds.refund_reason,"
    "*returns,*returns.items"
)


@dataclass(frozen=True)
class MedusaLocation:
    id: str
    name: str


class MedusaConfig(ConnectorConfig):
    base_url: str  # e.g. http://127.0.0.1:9000
    api_key: SecretStr = secret("secret API key (sk_...)")
    location_id: str | None = None  # default stock location for pushes
    reread_open: bool = True  # read pending orders again after each pull (see above)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return value.rstrip("/")


class MedusaConnector(RestStorefrontConnector[MedusaConfig]):
    name: ClassVar[str] = "medusa"
    config_model = MedusaConfig
    map_order = staticmethod(platform_mapping.map_order)  # record -> unified Order
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.GET_ORDER,
            Capability.PUSH_STOCK,
            Capability.PUSH_FULFILLMENT,
            Capability.PUSH_CANCELLATION,
        }
    )
    orders = Stream(
        path="admin/orders",
        paginator=OffsetPaginator(limit=50, total_path=("count",)),
        records_path=("orders",),
        params={"order": "updated_at", "fields": ORDER_FIELDS},
    )
    rate_limit = RateLimit(capacity=20, rate=10.0)  # self-hosted: be gentle, no documented limit
    stock_batch_size = 100

    def base_url(self) -> str:
        return self.config.base_url + "/"

    def authenticator(self) -> AuthBase:
        return BasicAuth(self.config.api_key.get_secret_value(), SecretStr(""))

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {"updated_at[$gte]": stamp}

    def iter_order_pages(self, since: datetime, resume: str | None = None) -> Iterator[Page]:
        # Changed-since pages, then the still-pending orders again (a payment capture
        # changes them without moving updated_at). Tokens of the second pass: "open:N".
        if not (resume or "").startswith("open:"):
            for page in super().iter_order_pages(since, resume):
                last = page.resume is None
                after = "open:0" if last and self.config.reread_open else page.resume
                yield Page(page.records, after, page.skipped)
            if not self.config.reread_open:
                return
        offset = (resume or "open:0").removeprefix("open:")
        first = PageRequest(self.orders.path, {**self.orders.params, "status[]": "pending"})
        start = None if offset == "0" else offset
        for items, following in self.orders.paginator.pages(self._send, first, self._items, start):
            yield self._page(items, f"open:{following}" if following else None)

    def to_record(self, item: Any) -> RawRecord:
        if not isinstance(item, dict) or not item.get("id"):
            raise SkippableRecordError("?", "id", "missing", item)
        collections = item.get("payment_collections") or []
        if not isinstance(collections, list) or not all(isinstance(p, dict) for p in collections):
            reason = "not a list of payment collections"
            raise SkippableRecordError(str(item["id"]), "payment_collections", reason, item)
        try:
            stamps = [parse_utc(item.get("updated_at"))] + [
                parse_utc(p["updated_at"]) for p in collections if p.get("updated_at")
            ]
        except ValueError as exc:
            raise SkippableRecordError(str(item["id"]), "updated_at", str(exc), item) from None
        return RawRecord("order", str(item["id"]), max(stamps), item)

    def get_order(self, external_id: str) -> RawRecord:
        body = self.http.get_json(f"admin/orders/{external_id}", params={"fields": ORDER_FIELDS})
        return self.to_record(body["order"])

    def list_locations(self) -> list[MedusaLocation]:
        """The store's stock locations, to map onto hub warehouses."""
        params = {"fields": "id,name", "limit": 100}
        body = self.http.get_json("admin/stock-locations", params=params)
        return [MedusaLocation(s["id"], s["name"]) for s in body.get("stock_locations") or []]

    # ---- stock -------------------------------------------------------------------------

    def _levels(self, items: Sequence[str]) -> dict[tuple[str, str], int]:
        """(inventory item, location) -> Medusa's reserved quantity, for existing levels."""
        params = {"id[]": list(items), "fields": "id,*location_levels", "limit": len(items)}
        body = self.http.get_json("admin/inventory-items", params=params)
        return {
            (item["id"], level["location_id"]): int(level.get("reserved_quantity") or 0)
            for item in body.get("inventory_items") or []
            for level in item.get("location_levels") or []
        }

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        reserved = self._levels(sorted({u.listing_id for u in chunk}))
        update: list[dict[str, Any]] = []
        create: list[dict[str, Any]] = []
        for u in chunk:
            location = u.location_id or self.config.location_id
            if not location:
                raise SkippableRecordError(u.listing_id, "location_id", "no Medusa location")
            key = (u.listing_id, location)
            level = {
                "inventory_item_id": u.listing_id,
                "location_id": location,
                "stocked_quantity": u.quantity + reserved.get(key, 0),
            }
            (update if key in reserved else create).append(level)
        return PageRequest(
            "admin/inventory-items/location-levels/batch",
            method="POST",
            json={"update": update, "create": create},
        )

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        # The batch runs as one workflow: a 2xx means every level was written.
        return PushResult([u.listing_id for u in chunk], (), calls=2)

    # ---- shipment ----------------------------------------------------------------------

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        order_id = fulfillment.order_external_id
        items = [{"id": k, "quantity": v} for k, v in sorted(fulfillment.lines.items())]
        body: dict[str, Any] = {"items": items, "metadata": {}}
        if self.config.location_id:
            body["location_id"] = self.config.location_id
        self.http.request("POST", f"admin/orders/{order_id}/fulfillments", json=body)
        order = self.http.get_json(
            f"admin/orders/{order_id}", params={"fields": "id,*fulfillments"}
        )
        newest = max(order["order"]["fulfillments"], key=lambda f: f["created_at"])
        label = {
            "tracking_number": fulfillment.tracking_number,
            "tracking_url": fulfillment.tracking_url or "",
            "label_url": "",
        }
        shipment = {"items": items, "labels": [label], "metadata": {"carrier": fulfillment.carrier}}
        path = f"admin/orders/{order_id}/fulfillments/{newest['id']}/shipments"
        self.http.request("POST", path, json=shipment)
        return PushResult([order_id], (), calls=3)

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult:
        self.http.request("POST", f"admin/orders/{order_external_id}/cancel")
        return PushResult([order_external_id], (), calls=1)
