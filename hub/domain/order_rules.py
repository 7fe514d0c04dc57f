"""Review rules every order passes before stock is reserved for it (pure).

A rule looks at an order's facts and the channel's policy and either passes or fires
with a short detail for the operator. The allocator runs them on every order entering
an allocatable state (docs/allocation.md, "Order review"); a rule an operator released
for an order never fires for that order again, the others still run.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from hub.domain.allocation import AllocationPolicy

__all__ = ["RULES", "RuleFacts", "RuleHit", "evaluate", "hold_reason", "needs_total"]

TOTAL_UNKNOWN = "total_unknown"
TOTAL_OVER = "total_over_threshold"
FLAGGED = "flagged_customer"
NO_COUNTRY = "address_missing_country"
RULES = (TOTAL_UNKNOWN, TOTAL_OVER, FLAGGED, NO_COUNTRY)


@dataclass(frozen=True)
class RuleFacts:
    """What the rules look at. `grand_total` is read only when the policy has an amount
    threshold (loading the order's money costs a round trip the hot path avoids)."""

    customer_email: str | None
    flagged: bool  # the e-mail is on the tenant's flagged list
    ship_to_country: str
    grand_total: Decimal | None = None  # None: the platform did not state the amounts


@dataclass(frozen=True)
class RuleHit:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.detail})" if self.detail else self.rule


def needs_total(policy: AllocationPolicy) -> bool:
    return policy.review_over_amount is not None


def evaluate(
    facts: RuleFacts, policy: AllocationPolicy, released: Collection[str] = ()
) -> list[RuleHit]:
    """The rules the order trips, in a fixed order, leaving out those released for it."""
    hits = []
    threshold = policy.review_over_amount
    if threshold is not None:
        if facts.grand_total is None:
            # Unknown is not zero: a total nobody stated cannot pass a threshold.
            hits.append(RuleHit(TOTAL_UNKNOWN, f"threshold {_plain(threshold)}"))
        elif facts.grand_total > threshold:
            hits.append(RuleHit(TOTAL_OVER, f"{facts.grand_total} > {_plain(threshold)}"))
    if facts.flagged and facts.customer_email:
        hits.append(RuleHit(FLAGGED, facts.customer_email))
    if policy.review_missing_country and not facts.ship_to_country.strip():
        hits.append(RuleHit(NO_COUNTRY, ""))
    return [hit for hit in hits if hit.rule not in released]


def _plain(value: Decimal) -> str:
    """100 for 100.000000 (how PostgreSQL's NUMERIC returns it), 99.5 for 99.50."""
    return f"{value.normalize():f}"


def hold_reason(hits: Collection[RuleHit]) -> str:
    """The order's status_reason while rules hold it: "review: " and each rule."""
    return "review: " + "; ".join(str(hit) for hit in hits)
