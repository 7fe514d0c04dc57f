"""Platform order statuses -> the hub's OrderStatus, as data.

Each platform has an ordered list of rules `(field, value, target)`; the first rule whose
field has that value in the observed record wins. Platforms with several status fields
(Shopify financial/fulfillment, eBay payment/fulfillment/cancel, Medusa) rely on the
order: cancellation and refunds first, then shipping progress, then payment.

Beside the workflow status, a second table says what a platform status means for stock
(`StockRule`): whether the order holds stock while it has that status, and whether the hub
may ship it. WooCommerce `on-hold` (bank transfer awaiting confirmation) holds stock by
default, as WooCommerce itself has already taken it from its count, but may not ship until
the platform moves on (`processing`). A channel overrides these per status word.

A channel may override rules: an override of a (field, value) the defaults know replaces
its target in place (same precedence); an override of an unknown pair is consulted after
the defaults. A record no rule matches is never guessed at: it maps to ON_HOLD with the
reason naming the status and the channel, so an operator adds an override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hub.domain.errors import InvalidValue
from hub.domain.orders import OrderStatus

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_STOCK_RULES",
    "Rule",
    "StatusDecision",
    "StockRule",
    "resolve_status",
    "rules_for",
    "stock_rule",
    "stock_rules_for",
]

S = OrderStatus


@dataclass(frozen=True)
class Rule:
    field: str
    value: str
    target: OrderStatus


def _rules(field: str, pairs: dict[str, OrderStatus]) -> list[Rule]:
    return [Rule(field, value, target) for value, target in pairs.items()]


DEFAULT_RULES: dict[str, tuple[Rule, ...]] = {
    # wc/v3 `status`: pending, processing, on-hold, completed, cancelled, refunded, failed, trash
    "woocommerce": tuple(_rules("status", {
        "pending": S.PENDING_REVIEW,  # awaiting payment
        "checkout-draft": S.PENDING_REVIEW,
        "processing": S.READY,  # paid, to be fulfilled
        "on-hold": S.ON_HOLD,  # awaiting payment confirmation (e.g. bank transfer)
        "completed": S.COMPLETED,
        "cancelled": S.CANCELLED,
        "failed": S.CANCELLED,
        "trash": S.CANCELLED,
        "refunded": S.REFUNDED,
    })),
    # REST/GraphQL: cancelled_at (here field "cancelled"), financial_status, fulfillment_status
    "shopify": tuple(
        _rules("cancelled", {"true": S.CANCELLED})
        + _rules("financial_status", {
            "refunded": S.REFUNDED, "voided": S.CANCELLED, "expired": S.CANCELLED})
        + _rules("fulfillment_status", {
            "fulfilled": S.SHIPPED, "partial": S.PARTIALLY_SHIPPED, "restocked": S.CANCELLED})
        + _rules("financial_status", {
            "pending": S.PENDING_REVIEW, "authorized": S.READY, "partially_paid": S.READY,
            "paid": S.READY, "partially_refunded": S.READY})
    ),
    # SP-API Orders v0 `OrderStatus`
    "amazon": tuple(_rules("OrderStatus", {
        "Pending": S.PENDING_REVIEW,  # not yet paid: must not ship
        "PendingAvailability": S.PENDING_REVIEW,  # pre-order
        "Unshipped": S.READY,
        "PartiallyShipped": S.PARTIALLY_SHIPPED,
        "Shipped": S.SHIPPED,
        "InvoiceUnconfirmed": S.SHIPPED,  # shipped; invoice confirmation outstanding
        "Canceled": S.CANCELLED,
        "Unfulfillable": S.ON_HOLD,  # multi-channel fulfilment order that cannot ship
    })),
    # Sell Fulfillment v1: cancelStatus.cancelState, orderPaymentStatus, orderFulfillmentStatus
    "ebay": tuple(
        _rules("cancelState", {"CANCELED": S.CANCELLED})
        + _rules("orderPaymentStatus", {"FULLY_REFUNDED": S.REFUNDED, "FAILED": S.ON_HOLD,
                                        "PENDING": S.PENDING_REVIEW})
        + _rules("orderFulfillmentStatus", {
            "FULFILLED": S.SHIPPED, "IN_PROGRESS": S.PARTIALLY_SHIPPED, "NOT_STARTED": S.READY})
    ),
    # Medusa v2 admin order: status, payment_status, fulfillment_status
    "medusa": tuple(
        _rules("status", {"canceled": S.CANCELLED, "draft": S.PENDING_REVIEW,
                          "archived": S.COMPLETED, "completed": S.COMPLETED})
        + _rules("payment_status", {"refunded": S.REFUNDED, "canceled": S.CANCELLED})
        + _rules("fulfillment_status", {
            "canceled": S.CANCELLED, "delivered": S.SHIPPED, "shipped": S.SHIPPED,
            "partially_shipped": S.PARTIALLY_SHIPPED, "partially_delivered": S.PARTIALLY_SHIPPED,
            # A fulfillment takes the units out of Medusa's stock (the shipment only adds
            # a label): fulfilled is what left, as detail.fulfilled_quantity says.
            "fulfilled": S.SHIPPED, "partially_fulfilled": S.PARTIALLY_SHIPPED})
        + _rules("payment_status", {
            "not_paid": S.PENDING_REVIEW, "awaiting": S.PENDING_REVIEW,
            "requires_action": S.PENDING_REVIEW, "authorized": S.READY,
            "partially_authorized": S.READY, "captured": S.READY,
            "partially_captured": S.READY, "partially_refunded": S.READY})
    ),
}  # fmt: skip


@dataclass(frozen=True)
class StatusDecision:
    status: OrderStatus
    rule: Rule | None  # None when nothing matched (the order is held)
    reason: str | None = None


def rules_for(platform: str, overrides: Iterable[Rule] = ()) -> list[Rule]:
    """The effective rule list of one channel: defaults with overrides folded in."""
    rules = list(DEFAULT_RULES.get(platform, ()))
    position = {(r.field, r.value): i for i, r in enumerate(rules)}
    appended: list[Rule] = []
    for override in overrides:
        at = position.get((override.field, override.value))
        if at is None:
            appended.append(override)
        else:
            rules[at] = override
    return rules + appended


def resolve_status(
    platform: str,
    observed: Mapping[str, str | None],
    *,
    channel: str,
    overrides: Iterable[Rule] = (),
) -> StatusDecision:
    """The hub status for a record whose status fields are `observed` (None = absent)."""
    rules = rules_for(platform, overrides)
    if not rules:
        raise InvalidValue(
            "platform", platform, "has no status rules; add overrides", record=f"channel {channel}"
        )
    present = {k: str(v) for k, v in observed.items() if v is not None}
    for rule in rules:
        if present.get(rule.field) == rule.value:
            # A hold the platform asked for must say so, or lifting another hold (an
            # unmapped SKU) would release an order the channel still holds.
            reason = (
                f"channel status {rule.field}={rule.value!r} on channel {channel}"
                if rule.target is OrderStatus.ON_HOLD
                else None
            )
            return StatusDecision(rule.target, rule, reason)
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(present.items())) or "no status"
    return StatusDecision(
        OrderStatus.ON_HOLD, None, f"unmapped status {shown} on channel {channel}"
    )


@dataclass(frozen=True)
class StockRule:
    """What one platform status word (Order.platform_status) means for stock."""

    value: str
    holds_stock: bool  # reserve stock for the order while it has this status
    may_ship: bool  # the hub may ship it while it has this status


DEFAULT_STOCK_RULES: dict[str, tuple[StockRule, ...]] = {
    "woocommerce": (
        # Bank transfer / cheque awaiting confirmation: WooCommerce reduced its own stock
        # when the order went on-hold, so the hub reserves too; nothing ships unpaid.
        StockRule("on-hold", holds_stock=True, may_ship=False),
    ),
}


def stock_rules_for(platform: str, overrides: Iterable[StockRule] = ()) -> dict[str, StockRule]:
    """The channel's effective stock rules by status word: defaults, then its overrides."""
    rules = {rule.value: rule for rule in DEFAULT_STOCK_RULES.get(platform, ())}
    rules.update({rule.value: rule for rule in overrides})
    return rules


def stock_rule(
    platform: str, platform_status: str | None, overrides: Iterable[StockRule] = ()
) -> StockRule | None:
    """The rule for this status word; None: the workflow status alone decides."""
    if platform_status is None:
        return None
    return stock_rules_for(platform, overrides).get(platform_status)
