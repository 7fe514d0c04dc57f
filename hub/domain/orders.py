"""Orders as the hub sees them, whatever platform they came from, and their state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.domain.clock import ensure_utc, utcnow
from hub.domain.errors import CurrencyMismatch, IllegalTransition, InvalidValue
from hub.domain.money import Money, total


class OrderStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    READY = "ready"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    ON_HOLD = "on_hold"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


S = OrderStatus

# The whole state machine as data. Anything not listed is refused.
# Allocated-type states may fall back to READY when an order update releases stock and
# must be allocated again; anything not yet shipped may be cancelled; money can be
# refunded once it was taken, which includes a cancelled order.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_REVIEW: frozenset({S.READY, S.ON_HOLD, S.CANCELLED}),
    S.READY: frozenset(
        {S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.ON_HOLD, S.PENDING_REVIEW,
         S.CANCELLED}
    ),
    S.ALLOCATED: frozenset(
        {S.PARTIALLY_ALLOCATED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.READY, S.CANCELLED}
    ),
    S.PARTIALLY_ALLOCATED: frozenset(
        {S.ALLOCATED, S.BACKORDERED, S.PARTIALLY_SHIPPED, S.ON_HOLD, S.READY, S.CANCELLED}
    ),
    S.BACKORDERED: frozenset(
        {S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.ON_HOLD, S.READY, S.CANCELLED}
    ),
    S.ON_HOLD: frozenset({S.READY, S.PENDING_REVIEW, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.COMPLETED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}  # fmt: skip


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


@dataclass(eq=False)
class OrderLine:
    channel_sku: str
    quantity: int
    unit_price: Money
    sku_id: int | None = None  # None while the channel SKU is not mapped
    title: str = ""
    discount: Money | None = None
    tax: Money | None = None
    external_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    listing_id: int | None = None  # the listing that resolved channel_sku, if any
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None

    def __post_init__(self) -> None:
        where = f"order line {self.external_id or self.channel_sku}"
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise InvalidValue("quantity", self.quantity, "must be a whole number", record=where)
        if self.quantity <= 0:
            raise InvalidValue("quantity", self.quantity, "must be greater than 0", record=where)
        if self.unit_price.amount < 0:
            raise InvalidValue(
                "unit_price", str(self.unit_price), "must not be negative", record=where
            )
        currency = self.unit_price.currency
        if self.discount is None:
            self.discount = Money.zero(currency)
        if self.tax is None:
            self.tax = Money.zero(currency)
        for name, money in (("discount", self.discount), ("tax", self.tax)):
            if money.currency != currency:
                raise CurrencyMismatch(currency, money.currency, field=f"{where}.{name}")

    @property
    def subtotal(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(eq=False)
class ShippingLine:
    title: str
    price: Money
    carrier: str | None = None
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class TaxLine:
    title: str
    rate: Decimal
    amount: Money
    inclusive: bool = False  # already contained in prices (EU VAT shops) or added on top
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class Discount:
    code: str
    amount: Money
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class Payment:
    gateway: str
    amount: Money
    external_id: str | None = None
    processed_at: datetime | None = None
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class Refund:
    amount: Money
    external_id: str | None = None
    reason: str = ""
    restock: bool = False
    # [{"line": external line id, "quantity": n}], as the platform described it
    lines: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class Order:
    tenant_id: int
    channel_id: int
    external_id: str
    currency: str
    placed_at: datetime
    status: OrderStatus = OrderStatus.PENDING_REVIEW
    status_reason: str | None = None
    # Where a hold returns to once nothing holds the order any more (None: READY).
    resume_status: OrderStatus | None = None
    # Presentment currency is what the buyer saw; `currency` is the shop's books currency.
    presentment_currency: str | None = None
    # Shop-currency units per one presentment unit, and where that rate came from
    # (e.g. "shopify:price_set", "ecb:2026-11-20"); None when both currencies are the same.
    fx_rate: Decimal | None = None
    fx_source: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    ship_to: dict[str, Any] = field(default_factory=dict)
    platform_updated_at: datetime | None = None
    lines: list[OrderLine] = field(default_factory=list)
    shipping_lines: list[ShippingLine] = field(default_factory=list)
    tax_lines: list[TaxLine] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    id: int | None = None

    def __post_init__(self) -> None:
        self.placed_at = ensure_utc(self.placed_at, "placed_at")
        if self.platform_updated_at is not None:
            self.platform_updated_at = ensure_utc(self.platform_updated_at, "platform_updated_at")
        if not self.external_id:
            raise InvalidValue("external_id", self.external_id, "must not be empty", record="order")

    @property
    def label(self) -> str:
        return f"order {self.external_id}"

    def transition(self, target: OrderStatus, reason: str | None = None) -> None:
        if not can_transition(self.status, target):
            raise IllegalTransition(self.label, self.status.value, target.value)
        self.status = target
        self.status_reason = reason

    def add_line(self, line: OrderLine) -> None:
        if line.unit_price.currency != self.currency:
            raise CurrencyMismatch(
                self.currency,
                line.unit_price.currency,
                field=f"{self.label}.lines[{len(self.lines)}].unit_price",
            )
        self.lines.append(line)

    @property
    def subtotal(self) -> Money:
        return total([line.subtotal for line in self.lines], self.currency)

    @property
    def discount_total(self) -> Money:
        line_discounts = [line.discount for line in self.lines if line.discount is not None]
        return total(line_discounts + [d.amount for d in self.discounts], self.currency)

    @property
    def shipping_total(self) -> Money:
        return total([s.price for s in self.shipping_lines], self.currency)

    @property
    def tax_total(self) -> Money:
        return total([t.amount for t in self.tax_lines], self.currency)

    @property
    def grand_total(self) -> Money:
        """What the buyer pays: tax is added only where prices did not already include it."""
        added_tax = total([t.amount for t in self.tax_lines if not t.inclusive], self.currency)
        return self.subtotal - self.discount_total + self.shipping_total + added_tax

    @property
    def refunded_total(self) -> Money:
        return total([r.amount for r in self.refunds], self.currency)
