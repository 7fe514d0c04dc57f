"""A storefront connector over REST, built from declarations plus a few hooks.

Subclasses set class attributes (name, capabilities, config model, the orders stream
with its paginator, rate limit) and override hooks (base URL, authenticator, query
parameters for "changed since", webhook signature, stock batch shape). Everything
else (paging, loop detection, retries, rate budget, error classification, skipping
malformed records, batching) lives here once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import requests
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict

from connectors.base import (
    Capability,
    ConnectorConfig,
    ConnectorKind,
    FatalConfigurationError,
    FulfillmentPush,
    Page,
    PushResult,
    RawRecord,
    RejectedItem,
    SkippableRecordError,
    StockLevelUpdate,
    UnsupportedCapability,
    WebhookDelivery,
    WebhookRejected,
)
from connectors.errors import ERROR_MAPPING, ConnectorError, PaginationLoop, Resolution
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.http import HttpClient, HttpError, ResponseCheck
from connectors.toolkit.oauth import OAuth2RefreshAuth, Refresh
from connectors.toolkit.pagination import JsonPath, PageRequest, Paginator, dig
from connectors.toolkit.ratefeeds import Feeder
from connectors.toolkit.ratelimit import RateLimit

if TYPE_CHECKING:
    from hub.domain.orders import Order
    from mapping.mapper import Context

ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)
PartT = TypeVar("PartT")


@dataclass(frozen=True)
class Stream:
    """Where a list of records lives and how to page through it."""

    path: str
    paginator: Paginator
    records_path: JsonPath = ()  # () = the body is the list
    id_field: str = "id"
    updated_field: str | None = None  # the platform's last-modified field (UTC)
    params: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "order"
    method: str = "GET"
    body: Any = None  # JSON body sent with every page (e.g. a GraphQL query)


def parse_utc(value: Any) -> datetime:
    """ISO 8601 to aware UTC; a value without offset is taken as UTC (declare only
    fields that are in UTC, such as WooCommerce's ``*_gmt``)."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class RestStorefrontConnector(Generic[ConfigT]):
    name: ClassVar[str]
    kind: ClassVar[ConnectorKind] = ConnectorKind.STOREFRONT
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    config_model: ClassVar[type[ConnectorConfig]]

    orders: ClassVar[Stream]
    rate_limit: ClassVar[RateLimit] = RateLimit(capacity=10, rate=5.0)
    rate_family: ClassVar[str] = "rest"
    # Functions reading the platform's own counters (a tuple: functions stored as class
    # attributes would be bound as methods).
    rate_feeders: ClassVar[tuple[Feeder, ...]] = ()
    # Body-level failure detectors run on every response (e.g. GraphQL errors).
    response_checks: ClassVar[tuple[ResponseCheck, ...]] = ()
    error_mapping: ClassVar[Mapping[int | type[Exception], Resolution]] = ERROR_MAPPING
    stock_batch_size: ClassVar[int] = 100

    @staticmethod
    def map_order(record: Mapping[str, Any], context: Context) -> Order:
        """The platform's mapper (see StorefrontConnector.map_order); every connector
        points this at its own: `map_order = staticmethod(acme_mapping.map_order)`."""
        raise FatalConfigurationError(f"connector for {context.platform} brings no order mapper")

    def __init__(self, config: ConfigT, context: ConnectorContext | None = None) -> None:
        self.config = config
        self.context = context or ConnectorContext()
        self.http = self.client_for(self.rate_family, self.rate_limit)

    def client_for(self, family: str, limit: RateLimit) -> HttpClient:
        """An HTTP client with its own rate budget, for platforms that meter each operation
        separately (Amazon: getOrders 0.0167/s but getOrderItems 0.5/s)."""
        budget = self.context.budgets.budget(self.context.connection_key, family, limit)
        _, secrets = self.config.split()
        return HttpClient(
            self.base_url(),
            auth=self.authenticator(),
            budget=budget,
            feeders=self.rate_feeders,
            checks=self.response_checks,
            error_mapping=self.error_mapping,
            sleep=self.context.sleep,
            secrets=[str(v) for v in secrets.values()],
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.context.connection_key!r})"

    def prepare(self, margin: timedelta = timedelta(minutes=5)) -> None:
        """Called by the hub with no transaction open, before it uses the connector inside
        one (a relay pushes within its claim): an OAuth2 access token due within
        ``margin`` is refreshed now, so no refresh writes while that transaction is open."""
        auth = self.authenticator()
        if isinstance(auth, OAuth2RefreshAuth):
            auth.ensure_fresh(margin)

    # ---- hooks -------------------------------------------------------------------------

    def base_url(self) -> str:
        """The API root every stream path is relative to."""
        raise NotImplementedError

    def authenticator(self) -> AuthBase | None:
        """How requests are signed; None for public endpoints."""
        return None

    def oauth2(
        self, refresh: Refresh, header: str = "Authorization", scheme: str = "Bearer"
    ) -> AuthBase:
        """For ``authenticator()`` of OAuth2 platforms: tokens from the connection's store."""
        if self.context.token_store is None:
            raise FatalConfigurationError(
                f"{self.name} uses OAuth2: open it through a connection (no token store given)"
            )
        return OAuth2RefreshAuth(self.context.token_store, refresh, header=header, scheme=scheme)

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        """Query parameters that ask for records modified after ``since``."""
        raise NotImplementedError

    def first_request(self, since: datetime) -> PageRequest:
        """The request for the first page of orders changed since ``since``."""
        stream = self.orders
        params = {**stream.params, **self.changed_since_params(since)}
        return PageRequest(stream.path, params, stream.body, stream.method)

    def to_record(self, item: Any) -> RawRecord:
        """Wrap one list item; raise SkippableRecordError naming the field if unusable."""
        stream = self.orders
        if not isinstance(item, Mapping):
            raise SkippableRecordError("?", "(record)", "not a JSON object", item)
        raw_id = item.get(stream.id_field)
        if raw_id is None or raw_id == "":
            raise SkippableRecordError("?", stream.id_field, "missing", item)
        updated = None
        if stream.updated_field:
            try:
                updated = parse_utc(item.get(stream.updated_field))
            except ValueError as exc:
                field_name = stream.updated_field
                raise SkippableRecordError(str(raw_id), field_name, str(exc), item) from None
        return RawRecord(stream.kind, str(raw_id), updated, item)

    def record_part(
        self, record_id: str, field_name: str, item: Any, read: Callable[[], PartT]
    ) -> PartT:
        """A part of one record read by a call of its own (WooCommerce refunds, Amazon
        order items, Shopify's further line pages). When that call fails for good (a 4xx,
        a page loop, an answer not in the documented shape) only this record is skipped,
        naming it and the field; transient and credential errors still stop the pull,
        which is retried. One bad record must not hold the channel's pull back forever."""
        try:
            return read()
        except (HttpError, PaginationLoop) as exc:
            raise SkippableRecordError(record_id, field_name, str(exc), item) from None
        except (ValueError, LookupError, TypeError, AttributeError) as exc:
            reason = f"answer not in the documented shape: {type(exc).__name__}: {exc}"
            raise SkippableRecordError(record_id, field_name, reason, item) from None

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the signature on the raw body is genuine (constant-time compare)."""
        raise UnsupportedCapability(f"{self.name} has no webhooks")

    def is_webhook_ping(self, headers: Mapping[str, str], body: bytes) -> bool:
        """A platform's unsigned "is this URL alive?" call, answered without records."""
        return False

    def webhook_topic(self, headers: Mapping[str, str]) -> str:
        return ""

    def webhook_delivery_id(self, headers: Mapping[str, str]) -> str | None:
        return None

    def stock_group(self, update: StockLevelUpdate) -> str:
        """Updates that can share one batch call share a group (e.g. a parent product)."""
        return ""

    def stock_client(self) -> HttpClient:
        """The client stock calls go through (override when they have their own budget)."""
        return self.http

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        """The batch call that sets the quantities of ``chunk``."""
        raise UnsupportedCapability(f"{self.name} cannot push stock")

    def stock_result(
        self, chunk: Sequence[StockLevelUpdate], response: requests.Response
    ) -> PushResult:
        """Per-item outcome of one batch call (default: all accepted)."""
        return PushResult(accepted=[u.listing_id for u in chunk], calls=1)

    # ---- the contract ------------------------------------------------------------------

    def iter_order_pages(self, since: datetime, resume: str | None = None) -> Iterator[Page]:
        first = self.first_request(since)
        pages = self.orders.paginator.pages(self._send, first, self._items, resume)
        for items, following in pages:
            yield self._page(items, following)

    def get_order(self, external_id: str) -> RawRecord:
        item = self.http.get_json(f"{self.orders.path.rstrip('/')}/{external_id}")
        return self.to_record(item)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        folded = CaseInsensitiveDict(headers)
        if self.is_webhook_ping(folded, body):
            return WebhookDelivery(None, "ping", ())
        if not self.verify_webhook(folded, body):
            raise WebhookRejected(f"{self.name}: webhook signature missing or invalid")
        delivery_id, topic = self.webhook_delivery_id(folded), self.webhook_topic(folded)
        try:
            item = json.loads(body)
        except (ValueError, RecursionError) as exc:  # genuine (signed) but unreadable: kept
            raw = body.decode("utf-8", "backslashreplace")
            problem = SkippableRecordError("(webhook body)", "(body)", f"not JSON: {exc}", raw)
            return WebhookDelivery(delivery_id, topic, (), (problem,))
        page = self._page([item], None)
        return WebhookDelivery(delivery_id, topic, page.records, page.skipped)

    def push_stock(self, updates: Sequence[StockLevelUpdate]) -> PushResult:
        """One call per ``stock_batch_size`` updates of the same ``stock_group``."""
        groups: dict[str, list[StockLevelUpdate]] = {}
        for update in updates:
            groups.setdefault(self.stock_group(update), []).append(update)
        accepted: list[str] = []
        rejected: list[RejectedItem] = []
        calls = 0
        client = self.stock_client()
        for group in groups.values():
            for start in range(0, len(group), self.stock_batch_size):
                chunk = group[start : start + self.stock_batch_size]
                request = self.stock_request(chunk)
                response = client.request(
                    request.method, request.path, params=request.params or None, json=request.json
                )
                result = self.stock_result(chunk, response)
                accepted += result.accepted
                rejected += result.rejected
                calls += 1
        return PushResult(accepted, rejected, calls)

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult:
        raise UnsupportedCapability(f"{self.name} cannot push fulfillments yet")

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult:
        raise UnsupportedCapability(f"{self.name} cannot push cancellations yet")

    # ---- internals ---------------------------------------------------------------------

    def _send(self, request: PageRequest) -> requests.Response:
        return self.http.request(
            request.method, request.path, params=request.params or None, json=request.json
        )

    def _items(self, response: requests.Response) -> Sequence[Any]:
        body = response.json()
        items = dig(body, self.orders.records_path) if self.orders.records_path else body
        if not isinstance(items, list):
            where = ".".join(self.orders.records_path) or "the body"
            raise ConnectorError(f"{self.orders.path}: expected a list at {where}")
        return items

    def _page(self, items: Sequence[Any], following: str | None) -> Page:
        records: list[RawRecord] = []
        skipped: list[SkippableRecordError] = []
        for item in items:
            try:
                records.append(self.to_record(item))
            except SkippableRecordError as exc:
                skipped.append(exc)
        return Page(records, following, skipped)
