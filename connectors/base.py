"""What every connector promises the hub, and how its failures are classified.

The hub talks to connectors only through the Protocols here; it never imports a
concrete connector (the registry finds them by entry point). A storefront connector
hands back *raw* records: archiving, mapping to a domain Order and upserting are the
sync engine's job, so a record that fails mapping never costs the rest of a page. The
mapping itself travels with the connector: `map_order`, the one public function that
turns the platform's record into the unified order, is part of the Protocol, so a
connector installed as its own package works end to end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.errors import (
    ERROR_MAPPING,
    Action,
    ConnectorError,
    FatalConfigurationError,
    PaginationLoop,
    RateLimited,
    Resolution,
    RetriableError,
    SkippableRecordError,
    UnsupportedCapability,
    WebhookRejected,
    classify,
)

if TYPE_CHECKING:
    from hub.domain.orders import Order
    from hub.domain.settlements import Settlement
    from mapping.mapper import Context

__all__ = [
    "ERROR_MAPPING",
    "AccountingConnector",
    "Action",
    "BooksCheck",
    "Capability",
    "ConnectorConfig",
    "ConnectorError",
    "ConnectorKind",
    "FatalConfigurationError",
    "FulfillmentPush",
    "LedgerAccount",
    "OutgoingDocument",
    "Page",
    "PaginationLoop",
    "PayoutSource",
    "PostedDocument",
    "PushResult",
    "RateLimited",
    "RawPayout",
    "RawRecord",
    "RejectedItem",
    "Resolution",
    "RetriableError",
    "SkippableRecordError",
    "StockLevelUpdate",
    "StorefrontConnector",
    "UnsupportedCapability",
    "WebhookDelivery",
    "WebhookRejected",
    "classify",
    "secret",
]


class ConnectorKind(StrEnum):
    STOREFRONT = "storefront"
    ACCOUNTING = "accounting"


class Capability(StrEnum):
    """What a connector can do; the hub schedules only what is declared."""

    PULL_ORDERS = "pull_orders"
    GET_ORDER = "get_order"
    WEBHOOKS = "webhooks"
    PUSH_STOCK = "push_stock"
    PUSH_FULFILLMENT = "push_fulfillment"
    PUSH_CANCELLATION = "push_cancellation"
    PUSH_REFUND = "push_refund"  # no Protocol method yet: arrives with the refund push
    POST_DOCUMENTS = "post_documents"
    READ_DOCUMENTS = "read_documents"
    LIST_ACCOUNTS = "list_accounts"
    LIST_TAX_CODES = "list_tax_codes"
    PULL_PAYOUTS = "pull_payouts"  # PayoutSource: the channel's payouts with their lines


# ---- configuration -------------------------------------------------------------------


def secret(description: str = "", default: Any = ...) -> Any:
    """A config field that is a credential: encrypted at rest, masked everywhere.

    Use with a ``SecretStr`` annotation: ``consumer_secret: SecretStr = secret("...")``.
    """
    return Field(default, description=description, json_schema_extra={"secret": True})


class ConnectorConfig(BaseModel):
    """Base of every connector's settings. Fields declared with :func:`secret` (or typed
    ``SecretStr``) go to the encrypted credentials blob; the rest are plain settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def secret_fields(cls) -> frozenset[str]:
        names = set()
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra
            if info.annotation is SecretStr or (isinstance(extra, dict) and extra.get("secret")):
                names.add(name)
        return frozenset(names)

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(public settings, secrets) as plain JSON-able dicts, for storage."""
        public = self.model_dump(mode="json", exclude=set(self.secret_fields()))
        secrets = {
            name: _reveal(getattr(self, name))
            for name in self.secret_fields()
            if getattr(self, name) is not None
        }
        return public, secrets


def _reveal(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


# ---- what flows between the hub and a storefront --------------------------------------


@dataclass(frozen=True)
class RawRecord:
    """One platform object exactly as received, plus what the inbox keys it by."""

    kind: str  # "order", "refund", ...
    external_id: str
    updated_at: datetime | None  # the platform's version of this record (UTC)
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of a pull. ``resume`` continues the same pull after this page (None on
    the last page); the engine stores it only once the page is committed."""

    records: Sequence[RawRecord]
    resume: str | None
    skipped: Sequence[SkippableRecordError] = ()


@dataclass(frozen=True)
class WebhookDelivery:
    delivery_id: str | None  # the platform's delivery id, for de-duplication
    topic: str
    records: Sequence[RawRecord]
    skipped: Sequence[SkippableRecordError] = ()


@dataclass(frozen=True)
class StockLevelUpdate:
    """Set the platform's sellable quantity of one listing (absolute, never a delta)."""

    listing_id: str  # the platform's id of the product / variant / inventory item
    quantity: int
    location_id: str | None = None
    parent_id: str | None = None  # e.g. WooCommerce product of a variation
    # The figure the hub believes the platform holds now, for platforms that refuse a
    # stale write (Shopify compareQuantity); None: set unconditionally.
    expected: int | None = None


@dataclass(frozen=True)
class FulfillmentPush:
    order_external_id: str
    lines: Mapping[str, int]  # platform line id -> quantity shipped
    carrier: str
    tracking_number: str
    tracking_url: str | None = None


@dataclass(frozen=True)
class RejectedItem:
    key: str
    reason: str


@dataclass(frozen=True)
class PushResult:
    accepted: Sequence[str] = ()
    rejected: Sequence[RejectedItem] = ()
    calls: int = 0


@runtime_checkable
class StorefrontConnector(Protocol):
    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    capabilities: ClassVar[frozenset[Capability]]
    config_model: ClassVar[type[ConnectorConfig]]

    def iter_order_pages(self, since: datetime, resume: str | None = None) -> Iterator[Page]:
        """Orders changed since ``since``, page by page; ``resume`` from an earlier Page."""
        ...

    def get_order(self, external_id: str) -> RawRecord: ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Verify the signature on the raw body (raise WebhookRejected), then parse."""
        ...

    def push_stock(self, updates: Sequence[StockLevelUpdate]) -> PushResult:
        """Set quantities using the platform's batch endpoint; per-item refusals are
        returned, not raised."""
        ...

    def push_fulfillment(self, fulfillment: FulfillmentPush) -> PushResult: ...

    def push_cancellation(self, order_external_id: str, reason: str) -> PushResult: ...

    @staticmethod
    def map_order(record: Mapping[str, Any], context: Context) -> Order:
        """The platform's order record (as a pull page or a webhook delivered it) as the
        unified order; bad input raises hub.domain.errors.InvalidValue naming the record
        and the field. Built-in connectors point at mapping/platforms/<platform>.py:
        `map_order = staticmethod(mapping.platforms.acme.map_order)`."""
        ...


# ---- payouts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RawPayout:
    """One payout exactly as the platform gave it: the payout record plus every line that
    makes it up (balance transactions, financial events), archived before mapping."""

    external_id: str
    payload: Mapping[str, Any]


@runtime_checkable
class PayoutSource(Protocol):
    """A channel (or its payment gateway) that itemises what it pays out. Connectors that
    declare Capability.PULL_PAYOUTS implement it; the mapping travels with the connector."""

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        """Payouts issued (or still open) since ``since``, each with all of its lines."""
        ...

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        """The platform's payout as the hub's Settlement; bad input raises
        hub.domain.errors.InvalidValue naming the payout and the field."""
        ...


# ---- accounting ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingDocument:
    """A hub document ready to post; ``natural_key`` is written into the document itself
    (DocNumber, Reference, metadata) so an uncertain post can be looked up before retry."""

    kind: str  # "invoice", "credit_note", "bill", "journal", ...
    natural_key: str
    date: datetime
    currency: str
    total: Decimal
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PostedDocument:
    natural_key: str
    external_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerAccount:
    code: str
    name: str
    kind: str  # "account" or "tax_code"


@dataclass(frozen=True)
class BooksCheck:
    """What reading a connection's chart found (``hub books test``)."""

    accounts: int
    tax_codes: int


@runtime_checkable
class AccountingConnector(Protocol):
    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    capabilities: ClassVar[frozenset[Capability]]
    config_model: ClassVar[type[ConnectorConfig]]

    def post_document(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument: ...

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        """Look a document up by its natural key (before re-posting after a failure)."""
        ...

    def iter_documents(self, kind: str, since: datetime) -> Iterator[Sequence[PostedDocument]]:
        """Documents in the books, for reconciliation, page by page."""
        ...

    def list_accounts(self) -> Sequence[LedgerAccount]: ...

    def list_tax_codes(self) -> Sequence[LedgerAccount]: ...

    def check_books(self) -> BooksCheck:
        """Read the chart (and check the books can be written, for a local ledger)."""
        ...
