"""Orders as the hub sees them, whatever platform they came from, and their state machine.

The unified order (v2) carries what the platform states, in its documented meaning
(docs/orders.md explains every field; docs/order-schema.json is its JSON Schema):

- Order-level figures are the totals (shipping_lines, tax_lines, fee_lines, discounts,
  marketplace_tax); line-level ones (line.tax, line.shipping, line.marketplace_tax) are the
  platform's breakdown of them, never added on top.
- Shop money (`currency`, the books' currency) is the main figure; where the platform also
  gives the buyer's presentment money, it sits beside it in a `*_presentment` field.
- An amount the platform does not state is None, never 0, and `amounts_known` says so;
  arithmetic over it raises UnknownAmount instead of guessing.
- `status` is the hub's own workflow; `financial_status`, `fulfillment_status` and
  `platform_status` are what the platform says, kept apart from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from hub.domain.clock import ensure_utc, utcnow
from hub.domain.errors import CurrencyMismatch, IllegalTransition, InvalidValue, UnknownAmount
from hub.domain.money import Money, total

_E = TypeVar("_E", bound=StrEnum)


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


class FinancialStatus(StrEnum):
    """Where the buyer's money stands, as the platform reports it (mapped by the connector)."""

    PENDING = "pending"
    AWAITING_PAYMENT = "awaiting_payment"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


class FulfillmentStatus(StrEnum):
    """How much of the order the platform considers shipped."""

    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"


class FulfilledBy(StrEnum):
    """Who ships: the merchant (Amazon MFN, every storefront) or the marketplace (Amazon
    AFN/FBA), whose stock the hub must not reserve."""

    MERCHANT = "merchant"
    MARKETPLACE = "marketplace"


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


def line_mapping_key(channel_sku: str | None, platform_listing_id: str | None) -> str | None:
    """OrderLine.mapping_key from its two columns (for queries that read rows)."""
    if channel_sku:
        return channel_sku
    if platform_listing_id:
        return f"#{platform_listing_id}"
    return None


def _currency_of(where: str, amounts: dict[str, Money | None]) -> str | None:
    """The one currency of the given amounts (None when none is known); a mix is refused."""
    currency: str | None = None
    for name, money in amounts.items():
        if money is None:
            continue
        if currency is None:
            currency = money.currency
        elif money.currency != currency:
            raise CurrencyMismatch(currency, money.currency, field=f"{where}.{name}")
    return currency


def _whole(where: str, name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(name, value, "must be a whole number", record=where)
    if value < minimum:
        raise InvalidValue(name, value, f"must be at least {minimum}", record=where)


@dataclass(eq=False)
class OrderLine:
    # None when the platform sends no SKU (or an empty one): kept missing, never invented;
    # `mapping_key` then falls back to the platform's listing/variant id.
    channel_sku: str | None
    quantity: int
    # Price of one unit before discounts, as the platform shows it: gross when the order's
    # prices include tax, net otherwise. None: the platform did not state it.
    unit_price: Money | None
    sku_id: int | None = None  # None while the channel SKU is not mapped
    title: str = ""
    # Everything taken off this line (its own discounts plus its share of order-level ones).
    discount: Money | None = None
    # Tax the seller owes on this line (breakdown of the order's tax_lines).
    tax: Money | None = None
    external_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    listing_id: int | None = None  # the listing that resolved channel_sku, if any
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None
    # --- v2 ---
    # The platform's own id of what was sold (Shopify variant_id, WooCommerce variation_id
    # or product_id, Amazon ASIN, eBay legacyItemId[/legacyVariationId], Medusa variant_id).
    platform_listing_id: str | None = None
    unit_price_presentment: Money | None = None
    discount_presentment: Money | None = None
    tax_presentment: Money | None = None
    # Tax the marketplace collects and remits for this line (Amazon marketplace facilitator
    # tax, eBay collect-and-remit): not in `tax`, never the seller's liability.
    marketplace_tax: Money | None = None
    # Per-line shipping where the platform states it (Amazon ShippingPrice/ShippingTax/
    # ShippingDiscount): a breakdown of the order's shipping_lines, not added on top.
    shipping: Money | None = None
    shipping_tax: Money | None = None
    shipping_discount: Money | None = None
    quantity_shipped: int = 0  # units the platform already shipped (Amazon QuantityShipped)
    # False when the platform did not state this line's money (Amazon Pending orders, VAT
    # hidden in gross prices): discount and tax stay None instead of defaulting to zero.
    amounts_known: bool = True
    # Units that will never ship: refunded before shipping, or removed by an edit on the
    # platform (set by the order-change path, hub.services.order_changes).
    quantity_cancelled: int = 0

    def __post_init__(self) -> None:
        where = f"order line {self.external_id or self.channel_sku or self.platform_listing_id}"
        for name in ("channel_sku", "platform_listing_id", "external_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):  # keys compare as text
                raise InvalidValue(name, value, "must be text", record=where)
        _whole(where, "quantity", self.quantity, 1)
        _whole(where, "quantity_shipped", self.quantity_shipped, 0)
        if self.quantity_shipped > self.quantity:
            raise InvalidValue(
                "quantity_shipped", self.quantity_shipped, "more than the quantity", record=where
            )
        if self.unit_price is None:
            self.amounts_known = False
        elif self.unit_price.amount < 0:
            raise InvalidValue(
                "unit_price", str(self.unit_price), "must not be negative", record=where
            )
        shop = {
            "unit_price": self.unit_price,
            "discount": self.discount,
            "tax": self.tax,
            "marketplace_tax": self.marketplace_tax,
            "shipping": self.shipping,
            "shipping_tax": self.shipping_tax,
            "shipping_discount": self.shipping_discount,
        }
        currency = _currency_of(where, shop)
        _currency_of(
            where,
            {
                "unit_price_presentment": self.unit_price_presentment,
                "discount_presentment": self.discount_presentment,
                "tax_presentment": self.tax_presentment,
            },
        )
        if self.amounts_known and currency is not None:
            # Legacy default: a mapper that states the price but not discount/tax means none.
            if self.discount is None:
                self.discount = Money.zero(currency)
            if self.tax is None:
                self.tax = Money.zero(currency)

    @property
    def label(self) -> str:
        return f"order line {self.external_id or self.mapping_key or '?'}"

    @property
    def mapping_key(self) -> str | None:
        """What the listing table and the unmapped-SKU hold key this line by: the channel
        SKU when there is one, else "#" + the platform's listing/variant id (the pseudo-SKU
        earlier versions stored, so existing links keep working); None when neither exists."""
        return line_mapping_key(self.channel_sku, self.platform_listing_id)

    @property
    def price_currency(self) -> str | None:
        return self.unit_price.currency if self.unit_price is not None else None

    def unknown_amounts(self) -> list[str]:
        """Names of this line's money fields the platform did not state."""
        if self.amounts_known:
            return []
        pairs = (("unit_price", self.unit_price), ("discount", self.discount), ("tax", self.tax))
        return [name for name, money in pairs if money is None]

    @property
    def subtotal(self) -> Money:
        """unit_price x quantity; raises UnknownAmount when the price is not known."""
        if self.unit_price is None:
            raise UnknownAmount("unit_price", record=self.label)
        return self.unit_price.times(self.quantity)

    @property
    def subtotal_if_known(self) -> Money | None:
        return self.unit_price.times(self.quantity) if self.unit_price is not None else None

    @property
    def quantity_to_ship(self) -> int:
        """Units still to be shipped by the merchant (what the allocator reserves)."""
        return self.quantity - self.quantity_shipped - self.quantity_cancelled


@dataclass(eq=False)
class ShippingLine:
    title: str
    price: Money  # before shipping discounts
    carrier: str | None = None
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None
    # --- v2 ---
    external_id: str | None = None
    price_presentment: Money | None = None
    # Discount taken off this shipping line; counted in the order's discount_total.
    discount: Money | None = None
    discount_presentment: Money | None = None
    # Tax on shipping where the platform states it (breakdown of the order's tax_lines).
    tax: Money | None = None
    tax_presentment: Money | None = None

    def __post_init__(self) -> None:
        where = f"shipping line {self.external_id or self.title}"
        _currency_of(where, {"price": self.price, "discount": self.discount, "tax": self.tax})
        _currency_of(
            where,
            {
                "price_presentment": self.price_presentment,
                "discount_presentment": self.discount_presentment,
                "tax_presentment": self.tax_presentment,
            },
        )


@dataclass(eq=False)
class TaxLine:
    title: str
    rate: Decimal
    amount: Money
    inclusive: bool = False  # already contained in prices (EU VAT shops) or added on top
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None
    amount_presentment: Money | None = None


@dataclass(eq=False)
class Discount:
    code: str
    # Only what no line carries (usually zero): line discounts already hold their share.
    amount: Money
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None
    amount_presentment: Money | None = None


@dataclass(eq=False)
class FeeLine:
    """A fee the buyer pays beside the goods (WooCommerce fee_lines, a gift-wrap or
    cash-on-delivery fee): revenue for the seller, not shipping."""

    title: str
    amount: Money  # before tax; tax added on top unless the order's prices include tax
    tax: Money | None = None  # None: not stated
    taxable: bool = False
    external_id: str | None = None
    amount_presentment: Money | None = None
    tax_presentment: Money | None = None
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None

    def __post_init__(self) -> None:
        _currency_of(f"fee line {self.external_id or self.title}",
                     {"amount": self.amount, "tax": self.tax})  # fmt: skip


@dataclass(eq=False)
class MarketplaceFee:
    """A fee the marketplace charges the seller, where the order payload states it (eBay
    totalMarketplaceFee): a cost, positive when the seller pays."""

    kind: str
    amount: Money
    external_id: str | None = None
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


@dataclass
class RefundLine:
    """One order line's part of a refund, as the platform states it (a value: stored with
    its refund, compared by what it says)."""

    line_external_id: str | None  # the order line's external_id
    quantity: int  # units refunded (0: money only, no units)
    subtotal: Money | None = None  # refunded for the goods, before tax; None: not stated
    tax: Money | None = None
    # True/False as the platform says; None when it does not say (never guessed).
    restock: bool | None = None
    restock_location: str | None = None

    def __post_init__(self) -> None:
        where = f"refund line {self.line_external_id}"
        _whole(where, "quantity", self.quantity, 0)
        _currency_of(where, {"subtotal": self.subtotal, "tax": self.tax})


def refund_line_of(value: RefundLine | dict[str, Any]) -> RefundLine:
    """Earlier mappers described refunded lines as {"line": id, "quantity": n}."""
    if isinstance(value, RefundLine):
        return value
    line = value.get("line")
    return RefundLine(
        line_external_id=None if line is None else str(line),
        quantity=value.get("quantity", 0),
    )


@dataclass(eq=False)
class Refund:
    amount: Money  # the money returned to the buyer
    external_id: str | None = None
    reason: str = ""
    # True/False as the platform says; None when it does not say (never guessed).
    restock: bool | None = None
    # RefundLine each; the {"line": id, "quantity": n} dicts earlier mappers gave are
    # turned into RefundLines on construction.
    lines: list[Any] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
    order_id: int | None = None
    tenant_id: int | None = None
    # --- v2 ---
    shipping: Money | None = None  # shipping refunded, before tax
    shipping_tax: Money | None = None
    tax: Money | None = None  # all tax refunded (lines + shipping), where stated
    # Refunded but tied to no line or shipping (Shopify order_adjustments, a goodwill refund).
    unallocated: Money | None = None
    restock_location: str | None = None
    amount_presentment: Money | None = None

    def __post_init__(self) -> None:
        self.created_at = ensure_utc(self.created_at, "created_at")
        self.lines = [refund_line_of(x) for x in self.lines]
        _currency_of(
            f"refund {self.external_id}",
            {
                "amount": self.amount,
                "shipping": self.shipping,
                "shipping_tax": self.shipping_tax,
                "tax": self.tax,
                "unallocated": self.unallocated,
            },
        )


@dataclass(frozen=True)
class StatedTotals:
    """The order's totals as the platform itself states them, kept for the self-check.
    None: the platform does not state that figure. Meaning of each (in shop money):
    subtotal = goods before discounts (gross when prices include tax); discounts = all
    discounts (lines, order, shipping); shipping = shipping before its discounts; fees =
    fee lines before tax; tax = the seller's tax; total = what the buyer pays."""

    total: Money | None = None
    subtotal: Money | None = None
    tax: Money | None = None
    discounts: Money | None = None
    shipping: Money | None = None
    fees: Money | None = None

    def __post_init__(self) -> None:
        _currency_of("stated totals", self.figures())

    def figures(self) -> dict[str, Money | None]:
        return {
            "total": self.total,
            "subtotal": self.subtotal,
            "tax": self.tax,
            "discounts": self.discounts,
            "shipping": self.shipping,
            "fees": self.fees,
        }


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
    # --- v2 ---
    number: str | None = None  # the order number/name the merchant sees ("#1001")
    platform_status: str | None = None  # the platform's own status word, raw
    financial_status: FinancialStatus | None = None
    fulfillment_status: FulfillmentStatus | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    # Whether line prices (and shipping, fees) already contain the seller's tax.
    prices_include_tax: bool = False
    fulfilled_by: FulfilledBy | None = None
    fee_lines: list[FeeLine] = field(default_factory=list)
    marketplace_fees: list[MarketplaceFee] = field(default_factory=list)
    # Tax the marketplace collects from the buyer and remits itself, and who remits it
    # ("amazon", "ebay"): part of what the buyer pays, never the seller's liability.
    marketplace_tax: Money | None = None
    tax_remitted_by: str | None = None
    # False when the platform did not state the order's money (Amazon Pending).
    amounts_known: bool = True
    stated_totals: StatedTotals | None = None
    # Why the order may not be invoiced yet (its totals disagree with the platform's);
    # None: the document builders may use it. Set by the self-check, cleared by an operator.
    invoice_hold: str | None = None

    def __post_init__(self) -> None:
        self.placed_at = ensure_utc(self.placed_at, "placed_at")
        if self.platform_updated_at is not None:
            self.platform_updated_at = ensure_utc(self.platform_updated_at, "platform_updated_at")
        if self.cancelled_at is not None:
            self.cancelled_at = ensure_utc(self.cancelled_at, "cancelled_at")
        if not self.external_id:
            raise InvalidValue("external_id", self.external_id, "must not be empty", record="order")
        # Mappers may hand the platform's mapped word; the enum refuses anything else.
        if self.financial_status is not None:
            self.financial_status = _enum(FinancialStatus, self.financial_status, self.label)
        if self.fulfillment_status is not None:
            self.fulfillment_status = _enum(FulfillmentStatus, self.fulfillment_status, self.label)
        if self.fulfilled_by is not None:
            self.fulfilled_by = _enum(FulfilledBy, self.fulfilled_by, self.label)
        for name in ("marketplace_tax",):
            money = getattr(self, name)
            if money is not None and money.currency != self.currency:
                raise CurrencyMismatch(self.currency, money.currency, field=f"{self.label}.{name}")

    @property
    def label(self) -> str:
        return f"order {self.external_id}"

    def transition(self, target: OrderStatus, reason: str | None = None) -> None:
        if not can_transition(self.status, target):
            raise IllegalTransition(self.label, self.status.value, target.value)
        self.status = target
        self.status_reason = reason

    def add_line(self, line: OrderLine) -> None:
        if line.price_currency is not None and line.price_currency != self.currency:
            raise CurrencyMismatch(
                self.currency,
                line.price_currency,
                field=f"{self.label}.lines[{len(self.lines)}].unit_price",
            )
        self.lines.append(line)

    def unknown_amounts(self) -> list[str]:
        """Every money fact the platform did not state, as a path ("lines[0].tax");
        empty when everything the books need is known."""
        found = [] if self.amounts_known else ["amounts"]
        for i, line in enumerate(self.lines):
            found += [f"lines[{i}].{name}" for name in line.unknown_amounts()]
        found += [f"fee_lines[{i}].tax" for i, fee in enumerate(self.fee_lines) if fee.tax is None]
        if self.tax_remitted_by and self.marketplace_tax is None:
            found.append("marketplace_tax")
        return found

    @property
    def subtotal(self) -> Money:
        return total([line.subtotal for line in self.lines], self.currency)

    @property
    def discount_total(self) -> Money:
        """Line discounts, order discounts and shipping discounts (a shipping line without a
        stated discount has none); raises UnknownAmount for a line whose discount is unknown."""
        amounts: list[Money] = []
        for line in self.lines:
            if line.discount is None:
                raise UnknownAmount("discount", record=line.label)
            amounts.append(line.discount)
        amounts += [d.amount for d in self.discounts]
        amounts += [s.discount for s in self.shipping_lines if s.discount is not None]
        return total(amounts, self.currency)

    @property
    def shipping_total(self) -> Money:
        return total([s.price for s in self.shipping_lines], self.currency)

    @property
    def fee_total(self) -> Money:
        return total([f.amount for f in self.fee_lines], self.currency)

    @property
    def tax_total(self) -> Money:
        """The seller's tax (marketplace-remitted tax is apart, in marketplace_tax)."""
        return total([t.amount for t in self.tax_lines], self.currency)

    @property
    def grand_total(self) -> Money:
        """What the buyer pays: tax is added only where prices did not already include it;
        the marketplace's tax too, which the buyer pays even though the seller never owes it."""
        added_tax = total(
            [t.amount for t in self.tax_lines if not (t.inclusive or self.prices_include_tax)],
            self.currency,
        )
        result = (
            self.subtotal - self.discount_total + self.shipping_total + self.fee_total + added_tax
        )
        if self.marketplace_tax is not None and not self.prices_include_tax:
            result = result + self.marketplace_tax
        return result

    @property
    def seller_total(self) -> Money:
        """What the seller is owed: the buyer's total less the tax the marketplace keeps."""
        if self.marketplace_tax is None:
            return self.grand_total
        return self.grand_total - self.marketplace_tax

    @property
    def refunded_total(self) -> Money:
        return total([r.amount for r in self.refunds], self.currency)


def _enum(kind: type[_E], value: object, record: str) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidValue(kind.__name__, value, f"use one of {allowed}", record=record) from None
