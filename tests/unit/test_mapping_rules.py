"""Status tables, SKU normalisation, bundle flattening and CSV parsing, as pure rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hub.domain.errors import InvalidValue
from hub.domain.orders import TRANSITIONS, OrderStatus
from mapping.bundles import expand_line, find_cycle, flatten
from mapping.csv_formats import parse_bundles, parse_components, parse_listings
from mapping.skus import Normalisation, normalise, parse_normalisations, plan_links
from mapping.statuses import DEFAULT_RULES, Rule, resolve_status, rules_for

S = OrderStatus


@pytest.mark.parametrize(
    ("platform", "observed", "expected"),
    [
        ("woocommerce", {"status": "on-hold"}, S.ON_HOLD),
        ("woocommerce", {"status": "processing"}, S.READY),
        ("amazon", {"OrderStatus": "Pending"}, S.PENDING_REVIEW),
        ("amazon", {"OrderStatus": "Unshipped"}, S.READY),
        ("amazon", {"OrderStatus": "Shipped"}, S.SHIPPED),
        ("shopify", {"financial_status": "paid", "fulfillment_status": None}, S.READY),
        ("shopify", {"financial_status": "paid", "fulfillment_status": "partial"},
         S.PARTIALLY_SHIPPED),
        # a refund outranks shipping progress; a cancellation outranks everything
        ("shopify", {"financial_status": "refunded", "fulfillment_status": "fulfilled"},
         S.REFUNDED),
        ("shopify", {"cancelled": "true", "financial_status": "paid"}, S.CANCELLED),
        ("ebay", {"orderPaymentStatus": "PAID", "orderFulfillmentStatus": "NOT_STARTED"}, S.READY),
        ("ebay", {"orderPaymentStatus": "PAID", "orderFulfillmentStatus": "FULFILLED",
                  "cancelState": "CANCELED"}, S.CANCELLED),
        ("medusa", {"status": "pending", "payment_status": "captured",
                    "fulfillment_status": "shipped"}, S.SHIPPED),
        ("medusa", {"status": "pending", "payment_status": "awaiting",
                    "fulfillment_status": "not_fulfilled"}, S.PENDING_REVIEW),
    ],
)  # fmt: skip
def test_default_status_tables(platform: str, observed: dict[str, str | None], expected: S) -> None:
    assert resolve_status(platform, observed, channel="c").status is expected


def test_every_default_target_is_a_state_an_order_can_start_in_or_reach() -> None:
    reachable = set(TRANSITIONS) | {t for ts in TRANSITIONS.values() for t in ts}
    for rules in DEFAULT_RULES.values():
        assert {r.target for r in rules} <= reachable
        assert len({(r.field, r.value) for r in rules}) == len(rules)


def test_an_unknown_status_is_held_with_a_reason_not_guessed() -> None:
    decision = resolve_status("amazon", {"OrderStatus": "Teleported"}, channel="amz-de")
    assert decision.status is S.ON_HOLD and decision.rule is None
    assert decision.reason == "unmapped status OrderStatus='Teleported' on channel amz-de"


def test_overrides_replace_in_place_or_extend_after_the_defaults() -> None:
    refunded = Rule("financial_status", "refunded", S.COMPLETED)
    disputed = Rule("financial_status", "disputed", S.ON_HOLD)
    rules = rules_for("shopify", [refunded, disputed])
    assert rules.index(refunded) == [r.value for r in DEFAULT_RULES["shopify"]].index("refunded")
    assert rules[-1] == disputed
    # In place: a refunded + fulfilled order still hits the refund rule first.
    observed = {"financial_status": "refunded", "fulfillment_status": "fulfilled"}
    assert resolve_status("shopify", observed, channel="c", overrides=rules).status is S.COMPLETED
    held = resolve_status("shopify", {"financial_status": "disputed"}, channel="c",
                          overrides=[disputed])  # fmt: skip
    assert held.status is S.ON_HOLD and held.reason and "disputed" in held.reason


def test_a_platform_without_defaults_needs_overrides() -> None:
    with pytest.raises(InvalidValue, match="no status rules"):
        resolve_status("taobao", {"status": "WAIT_SELLER_SEND_GOODS"}, channel="tb")
    rule = Rule("status", "WAIT_SELLER_SEND_GOODS", S.READY)
    decided = resolve_status("taobao", {"status": "WAIT_SELLER_SEND_GOODS"}, channel="tb",
                             overrides=[rule])  # fmt: skip
    assert decided.status is S.READY


def test_normalisation_rules() -> None:
    rules = parse_normalisations("trim, case")
    assert rules == {Normalisation.TRIM, Normalisation.CASE}
    assert normalise("  Tent-2P ", rules) == "tent-2p"
    assert normalise("  Tent-2P ", parse_normalisations("")) == "  Tent-2P "
    with pytest.raises(InvalidValue, match="unknown rule"):
        parse_normalisations("trim,fuzzy")


def test_plan_links_only_links_a_single_match() -> None:
    plan = plan_links(["tent", "STOVE ", "pole"], ["TENT", "Tent", "STOVE"],
                      parse_normalisations("trim,case"))  # fmt: skip
    assert plan.linked == {"STOVE ": "STOVE"}
    assert plan.not_linked == {"tent": "ambiguous: matches TENT, Tent",
                               "pole": "no internal SKU matches"}  # fmt: skip


def test_bundles_flatten_nested_kits_and_expand_order_lines() -> None:
    graph = {10: [(1, 2), (11, 1)], 11: [(1, 1), (2, 3)]}
    assert flatten(graph, graph[10]) == [(1, 3), (2, 3)]
    definitions = {("sku", 10): flatten(graph, graph[10]), ("listing", 7): [(2, 6)]}
    assert expand_line(definitions, sku_id=10, listing_id=None, quantity=2) == [(1, 6), (2, 6)]
    assert expand_line(definitions, sku_id=None, listing_id=7, quantity=1) == [(2, 6)]
    assert expand_line(definitions, sku_id=5, listing_id=7, quantity=4) == [(2, 24)]
    assert expand_line(definitions, sku_id=5, listing_id=8, quantity=4) == [(5, 4)]
    assert expand_line(definitions, sku_id=None, listing_id=None, quantity=1) == []


def test_cycles_are_found_through_nested_bundles() -> None:
    assert find_cycle({1: [(2, 1)], 2: [(3, 1)], 3: [(1, 1)]}, 1) == [1, 2, 3, 1]
    assert find_cycle({1: [(2, 1)], 2: [(3, 1)]}, 1) is None
    with pytest.raises(InvalidValue, match="contains itself"):
        flatten({1: [(1, 1)]}, [(1, 1)])


def test_csv_parsing_reports_rows_as_a_spreadsheet_numbers_them() -> None:
    parsed = parse_listings('channel_sku,sku\n"multi\nline",TENT\nA,\n,B\n')
    assert [(r.row, r.channel_sku, r.sku) for r in parsed.rows] == [
        (2, "multi\nline", "TENT"), (3, "A", None)]  # fmt: skip
    assert [(e.row, e.reason) for e in parsed.errors] == [(4, "channel_sku is empty")]
    assert parse_components("KIT-A:2;B/1:10") == [("KIT-A", 2), ("B/1", 10)]
    with pytest.raises(InvalidValue):
        parse_components("KIT-A:0")
    with pytest.raises(InvalidValue, match="repeated column"):
        parse_bundles("bundle_sku,component_sku,quantity,quantity\n")


def test_the_mapping_package_never_touches_persistence() -> None:
    root = Path(__file__).resolve().parents[2] / "mapping"
    for path in root.rglob("*.py"):
        modules = imported_modules(path)
        assert not {m for m in modules if m.startswith(("hub.db", "hub.services"))}, path
        assert not {m.split(".")[0] for m in modules} & {"sqlalchemy", "requests", "celery"}, path


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found
