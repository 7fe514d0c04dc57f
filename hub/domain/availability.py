"""Available-to-sell, bundles, reorder suggestions and order review rules (pure).

The formulas are the ones in DESIGN.md "Stock numbers":
- per warehouse: on_hand - reserved - safety_stock, floor 0;
- per channel: (sum over its warehouses - buffer) * share, floored, capped by
  max_to_list, floor 0, and 0 when at or below the channel's end-when threshold;
- a bundle: min over components of component available // component quantity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from hub.domain.allocation import AllocationPolicy
from hub.domain.errors import InvalidValue
from hub.domain.order_rules import RuleFacts, evaluate


def warehouse_available(on_hand: int, reserved: int, safety_stock: int) -> int:
    return max(0, on_hand - reserved - safety_stock)


def channel_available(warehouse_figures: Iterable[int], policy: AllocationPolicy) -> int:
    """What one channel may list, from the per-warehouse available figures it sells from."""
    pooled = sum(warehouse_figures) - policy.buffer
    if pooled <= 0:
        return 0
    shared = int((Decimal(pooled) * policy.share).to_integral_value(rounding=ROUND_FLOOR))
    if policy.max_to_list is not None:
        shared = min(shared, policy.max_to_list)
    if shared <= policy.end_when:
        # "End when stock": stop listing before the last units so the lag between a sale
        # on another channel and our push cannot oversell them.
        return 0
    return max(0, shared)


def bundle_available(
    components: Sequence[tuple[int, int]], available: Mapping[int, int], *, bundle: str = ""
) -> int:
    """components: [(component sku id, units per bundle)]; available: sku id -> figure."""
    record = f"bundle {bundle}".strip()
    if not components:
        raise InvalidValue("components", [], "a bundle needs at least one component", record)
    figures = []
    for sku_id, per_bundle in components:
        if isinstance(per_bundle, bool) or not isinstance(per_bundle, int) or per_bundle <= 0:
            raise InvalidValue(f"components[{sku_id}].quantity", per_bundle, "must be > 0", record)
        figures.append(max(0, available.get(sku_id, 0)) // per_bundle)
    return min(figures)


def bundles_available(
    definitions: Mapping[int, Sequence[tuple[int, int]]], available: Mapping[int, int]
) -> dict[int, int]:
    """Every bundle SKU's figure from its component definitions (bundle sku id -> [(sku, qty)])."""
    return {
        bundle: bundle_available(parts, available, bundle=f"#{bundle}")
        for bundle, parts in definitions.items()
    }


@dataclass(frozen=True)
class ReorderSuggestion:
    sku_id: int
    warehouse_id: int
    available: int
    reorder_point: int
    on_order: int
    daily_velocity: Decimal
    lead_time_days: int
    suggested: int


def suggest_reorder(
    *,
    sku_id: int,
    warehouse_id: int,
    available: int,
    reorder_point: int,
    safety_stock: int,
    on_order: int,
    sold_in_window: int,
    window_days: int,
    lead_time_days: int,
    cover_days: int = 30,
) -> ReorderSuggestion | None:
    """A purchase suggestion when available is at or below the reorder point, else None.

    Buy enough to cover expected sales over lead time plus the cover period, plus safety
    stock, minus what is available and already on order; never less than what brings
    the balance back above the reorder point.
    """
    if window_days <= 0:
        raise InvalidValue("window_days", window_days, "must be > 0", "reorder report")
    if reorder_point <= 0 or available > reorder_point:
        return None
    velocity = Decimal(sold_in_window) / Decimal(window_days)
    expected = math.ceil(velocity * (lead_time_days + cover_days))
    need = expected + safety_stock - available - on_order
    floor_need = reorder_point + 1 - available - on_order
    return ReorderSuggestion(
        sku_id,
        warehouse_id,
        available,
        reorder_point,
        on_order,
        velocity.quantize(Decimal("0.01")),
        lead_time_days,
        max(0, need, floor_need),
    )


@dataclass(frozen=True)
class ReviewFacts:
    """What the review rules look at, taken from an order before allocation."""

    grand_total: Decimal | None  # None: the platform did not state the order's amounts
    customer_email: str | None
    ship_to_country: str


def review_reasons(
    facts: ReviewFacts, policy: AllocationPolicy, flagged_emails: Iterable[str]
) -> list[str]:
    """Names of the hold rules an order trips; empty means it may be allocated
    (hub.domain.order_rules holds the rules)."""
    flagged = {e.strip().lower() for e in flagged_emails}
    email = (facts.customer_email or "").strip().lower()
    rule_facts = RuleFacts(
        facts.customer_email, bool(email) and email in flagged, facts.ship_to_country,
        facts.grand_total,
    )  # fmt: skip
    return [str(hit) for hit in evaluate(rule_facts, policy)]


def channel_figures(
    available: Mapping[tuple[int, int], int],
    members: Mapping[int, Mapping[int, int]],
    policies: Mapping[int, AllocationPolicy],
    touched: Iterable[tuple[int, int]],
    sellable: Iterable[int],
) -> dict[tuple[int, int], int]:
    """(channel, sku) -> available-to-sell, for every channel selling from a touched
    (warehouse, sku). available: (warehouse, sku) -> per-warehouse figure; members:
    channel -> {warehouse: rank}; sellable: warehouses whose stock channels may list."""
    listable = set(sellable)
    figures: dict[tuple[int, int], int] = {}
    for warehouse, sku in sorted(set(touched)):
        for channel, warehouses in members.items():
            if warehouse not in warehouses or (channel, sku) in figures:
                continue
            pooled = [available.get((w, sku), 0) for w in warehouses if w in listable]
            figures[(channel, sku)] = channel_available(
                pooled, policies.get(channel, AllocationPolicy())
            )
    return figures
