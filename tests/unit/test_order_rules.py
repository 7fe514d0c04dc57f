"""The review rules as pure functions (hub.domain.order_rules)."""

from __future__ import annotations

from decimal import Decimal

from hub.domain.allocation import AllocationPolicy
from hub.domain.order_rules import RuleFacts, evaluate, hold_reason

STRICT = AllocationPolicy(review_over_amount=Decimal("100.000000"))


def _rules(
    facts: RuleFacts, policy: AllocationPolicy = STRICT, released: tuple[str, ...] = ()
) -> list[str]:
    return [hit.rule for hit in evaluate(facts, policy, released)]


def test_an_order_with_nothing_wrong_passes() -> None:
    assert _rules(RuleFacts("ann@example.com", False, "US", Decimal("99.99"))) == []


def test_every_rule_that_fires_is_named_in_a_fixed_order() -> None:
    facts = RuleFacts("fraud@example.com", True, "", Decimal("150.00"))
    hits = evaluate(facts, STRICT)
    assert hold_reason(hits) == (
        "review: total_over_threshold (150.00 > 100); flagged_customer (fraud@example.com); "
        "address_missing_country"
    )


def test_an_unknown_total_cannot_pass_a_threshold_but_needs_none_without_one() -> None:
    facts = RuleFacts(None, False, "DE", None)
    assert _rules(facts) == ["total_unknown"]
    assert _rules(facts, AllocationPolicy()) == []


def test_a_released_rule_never_fires_again_for_that_order_the_others_still_do() -> None:
    facts = RuleFacts("fraud@example.com", True, "", Decimal("10"))
    assert _rules(facts, released=("flagged_customer",)) == ["address_missing_country"]


def test_the_missing_country_rule_follows_the_channel_policy() -> None:
    lenient = AllocationPolicy(review_missing_country=False)
    assert _rules(RuleFacts(None, False, "  ", None), lenient) == []
    assert _rules(RuleFacts(None, False, "  ", None), AllocationPolicy()) == [
        "address_missing_country"
    ]
