"""Mapping records an operator maintains: bundles, status overrides, accounting mappings.

Plain data; the rules that read and check them live in the top-level `mapping` package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.domain.errors import DomainError
from hub.domain.orders import OrderStatus


@dataclass(eq=False)
class BundleComponent:
    """One component of a kit: either an internal bundle SKU or a single channel listing
    (exactly one of `bundle_sku_id` / `listing_id` is set) contains `quantity` of a SKU."""

    tenant_id: int
    component_sku_id: int
    quantity: int
    bundle_sku_id: int | None = None
    listing_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class StatusOverride:
    """Per-channel replacement of a default platform status rule: `field`=`value` -> target."""

    tenant_id: int
    channel_id: int
    field: str
    value: str
    target: OrderStatus
    id: int | None = None


class AccountingSystem(StrEnum):
    """The accounting connectors the hub ships. Not a closed list: a connection names any
    accounting connector in the registry (entry point group hub.connectors), so a new
    system is a plug-in name, never a new value here."""

    QUICKBOOKS = "quickbooks"
    XERO = "xero"
    BEANCOUNT = "beancount"
    GNUCASH = "gnucash"


@dataclass(eq=False)
class AccountingConnection:
    """A set of books the hub posts into. `settings` may list the books' chart
    (`accounts`: [codes]) and tax codes (`tax_codes`: [codes]) to validate mappings against."""

    tenant_id: int
    name: str
    system: str  # the accounting connector's registry name ("quickbooks", "acme-books")
    settings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


class AccountRole(StrEnum):
    SALES = "sales"
    SHIPPING_INCOME = "shipping_income"
    DISCOUNTS = "discounts"
    SALES_TAX_PAYABLE = "sales_tax_payable"
    CLEARING = "clearing"  # scoped per channel or gateway, with an optional default
    MARKETPLACE_FEES = "marketplace_fees"
    COGS = "cogs"
    INVENTORY = "inventory"
    ACCOUNTS_PAYABLE = "accounts_payable"
    # Optional: needed only once a channel's payouts hold reserves or adjustments.
    PAYOUT_RESERVE = "payout_reserve"  # money a channel holds back (an asset)
    PAYOUT_ADJUSTMENTS = "payout_adjustments"  # chargebacks and corrections
    # Optional: asked for only by a count or scrap that has a value.
    INVENTORY_ADJUSTMENTS = "inventory_adjustments"  # shrinkage, write-offs, count gains
    # Optional: asked for only by a receipt with freight or duty (landed cost).
    LANDED_COSTS = "landed_costs"  # freight and duty owed, until their own bills clear it


@dataclass(eq=False)
class AccountMapping:
    """Role -> account code in one connection's books. `scope` is "" (the default for the
    role), "channel:<name>" or "gateway:<name>"."""

    tenant_id: int
    connection_id: int
    role: AccountRole
    account_code: str
    scope: str = ""
    id: int | None = None


@dataclass(eq=False)
class TaxCodeMapping:
    """A channel tax line (matched on its title, e.g. "VAT 19%" or "CA State Tax") -> the
    books' tax code; `channel_id` None applies to every channel."""

    tenant_id: int
    connection_id: int
    channel_tax: str
    tax_code: str
    inclusive: bool = False
    channel_id: int | None = None
    id: int | None = None


class PartyKind(StrEnum):
    ITEM = "item"
    CUSTOMER = "customer"
    VENDOR = "vendor"


@dataclass(eq=False)
class PartyRule:
    """How hub records name books items, customers and vendors. `match` "" is the default
    rule of its kind; otherwise it names one SKU code / channel name / supplier code.
    `target` is a books name, optionally a template such as "{sku}" or "{channel} sales"."""

    tenant_id: int
    connection_id: int
    kind: PartyKind
    target: str
    match: str = ""
    id: int | None = None


class MappingRejected(DomainError):
    """A mapping set that cannot be saved; `problems` names every missing or unknown entry."""

    def __init__(self, record: str, problems: list[str]) -> None:
        self.record = record
        self.problems = problems
        super().__init__(f"{record}: " + "; ".join(problems))
