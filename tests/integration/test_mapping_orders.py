"""An order with an unmapped line is stored, visible, held, and heals when mapped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.domain.errors import AlreadyExists, InvalidValue
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus
from hub.services import bundles, catalog, listings, orders, statuses
from mapping.platforms.woocommerce import map_order
from mapping.skus import parse_normalisations
from tests.integration.factories import UowFactory

RATE = Decimal("0.923456")


def woo(order_id: int, lines: list[tuple[str, int]], status: str = "processing") -> dict[str, Any]:
    return {
        "id": order_id,
        "status": status,
        "currency": "EUR",
        "date_created_gmt": "2026-11-20T10:00:00",
        "billing": {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
        "line_items": [
            {"id": 100 + i, "name": sku, "product_id": 9, "variation_id": 0, "quantity": qty,
             "subtotal": "10.00", "total": "10.00", "total_tax": "0.00", "sku": sku}
            for i, (sku, qty) in enumerate(lines)
        ],
    }  # fmt: skip


@pytest.fixture
def shop(tenant: UowFactory) -> UowFactory:
    catalog.create_channel(tenant(), "woo-eu", "woocommerce", "EUR")
    for code in ("TENT", "STOVE", "POLE"):
        catalog.create_sku(tenant(), code, code.title(), Money.of("5", "EUR"))
    return tenant


def ingest(uow: UowFactory, record: dict[str, Any]) -> Order:
    context = statuses.mapping_context(uow(), "woo-eu")
    return orders.store_order(uow(), "woo-eu", map_order(record, context))


def test_unmapped_line_keeps_the_order_held_with_its_channel_sku_and_raw_data(
    shop: UowFactory,
) -> None:
    listings.link_listing(shop(), "woo-eu", "TENT-1", "TENT")
    ingest(shop, woo(1, [("TENT-1", 1), ("MYSTERY", 2)]))

    stored = orders.get_order(shop(), "woo-eu", "1")
    assert stored.status is OrderStatus.ON_HOLD
    assert stored.status_reason == "unmapped SKU MYSTERY on channel woo-eu"
    by_sku = {line.channel_sku: line for line in stored.lines}
    assert by_sku["MYSTERY"].sku_id is None
    assert by_sku["MYSTERY"].raw["sku"] == "MYSTERY" and by_sku["MYSTERY"].quantity == 2
    assert by_sku["TENT-1"].sku_id is not None
    assert [o.external_id for o in orders.held_orders(shop())] == ["1"]
    [missing] = listings.unmapped_skus(shop())
    assert (missing.channel_sku, missing.orders, missing.has_listing) == ("MYSTERY", ["1"], False)


def test_linking_the_sku_heals_the_order_back_to_ready(shop: UowFactory) -> None:
    ingest(shop, woo(2, [("MYSTERY", 1)]))
    _, healed = listings.link_listing(shop(), "woo-eu", "MYSTERY", "POLE")
    assert healed == ["2"]
    stored = orders.get_order(shop(), "woo-eu", "2")
    assert stored.status is OrderStatus.READY and stored.status_reason is None
    with shop() as uow:
        pole_id = uow.skus.by_key("POLE").id
    assert stored.lines[0].sku_id == pole_id
    assert orders.held_orders(shop()) == [] and listings.unmapped_skus(shop()) == []


def test_an_unpaid_order_returns_to_review_not_to_allocation(shop: UowFactory) -> None:
    ingest(shop, woo(3, [("MYSTERY", 1)], status="pending"))
    assert orders.get_order(shop(), "woo-eu", "3").status is OrderStatus.ON_HOLD
    listings.link_listing(shop(), "woo-eu", "MYSTERY", "POLE")
    assert orders.get_order(shop(), "woo-eu", "3").status is OrderStatus.PENDING_REVIEW


def test_fixing_one_of_two_skus_keeps_the_hold_naming_the_other(shop: UowFactory) -> None:
    ingest(shop, woo(4, [("A-1", 1), ("B-1", 1)]))
    assert orders.get_order(shop(), "woo-eu", "4").status_reason == (
        "unmapped SKU A-1 on channel woo-eu; unmapped SKU B-1 on channel woo-eu"
    )
    listings.link_listing(shop(), "woo-eu", "A-1", "TENT")
    stored = orders.get_order(shop(), "woo-eu", "4")
    assert stored.status is OrderStatus.ON_HOLD
    assert stored.status_reason == "unmapped SKU B-1 on channel woo-eu"


def test_a_hold_for_another_reason_survives_the_mapping_fix(shop: UowFactory) -> None:
    # WooCommerce on-hold (awaiting payment) is the platform's own hold.
    ingest(shop, woo(5, [("MYSTERY", 1)], status="on-hold"))
    listings.link_listing(shop(), "woo-eu", "MYSTERY", "POLE")
    stored = orders.get_order(shop(), "woo-eu", "5")
    assert stored.lines[0].sku_id is not None
    assert stored.status is OrderStatus.ON_HOLD
    assert stored.status_reason == "channel status status='on-hold' on channel woo-eu"


def test_an_unknown_platform_status_holds_the_order_and_an_override_maps_it(
    shop: UowFactory,
) -> None:
    ingest(shop, woo(6, [("TENT", 1)], status="awaiting-pickup"))
    stored = orders.get_order(shop(), "woo-eu", "6")
    assert stored.status is OrderStatus.ON_HOLD
    assert "unmapped status status='awaiting-pickup' on channel woo-eu" in (
        stored.status_reason or ""
    )
    statuses.set_status_override(shop(), "woo-eu", "status", "awaiting-pickup", "shipped")
    ingest(shop, woo(7, [("TENT", 1)], status="awaiting-pickup"))
    assert orders.get_order(shop(), "woo-eu", "7").status is OrderStatus.SHIPPED


def test_autolink_links_by_normalised_sku_and_heals(shop: UowFactory) -> None:
    ingest(shop, woo(8, [(" tent ", 1), ("stove", 1), ("nothing-like-it", 1)]))
    exact = listings.autolink(shop(), "woo-eu", parse_normalisations(""))
    assert exact.linked == {} and exact.healed_orders == []
    report = listings.autolink(shop(), "woo-eu", parse_normalisations("trim,case"))
    assert report.linked == {" tent ": "TENT", "stove": "STOVE"}
    assert report.not_linked == {"nothing-like-it": "no internal SKU matches"}
    stored = orders.get_order(shop(), "woo-eu", "8")
    assert stored.status_reason == "unmapped SKU nothing-like-it on channel woo-eu"


def test_autolink_defaults_to_the_channels_own_normalisation(tenant: UowFactory) -> None:
    catalog.create_channel(tenant(), "amz", "amazon", "EUR", {"sku_normalise": "case"})
    catalog.create_sku(tenant(), "TENT", "Tent", Money.of("5", "EUR"))
    listings.link_listing(tenant(), "amz", "tent", None)
    assert listings.autolink(tenant(), "amz").linked == {"tent": "TENT"}


def test_autolink_refuses_to_guess_between_two_skus(shop: UowFactory) -> None:
    catalog.create_sku(shop(), "tent", "lower-case twin", Money.of("5", "EUR"))
    ingest(shop, woo(9, [("Tent", 1)]))
    report = listings.autolink(shop(), "woo-eu", parse_normalisations("case"))
    assert report.linked == {}
    assert report.not_linked == {"Tent": "ambiguous: matches TENT, tent"}


def test_a_bundle_listing_maps_the_line_without_a_single_sku(shop: UowFactory) -> None:
    ingest(shop, woo(10, [("CAMP-SET", 2)]))
    csv_text = "channel_sku,sku,components\nCAMP-SET,,TENT:1;POLE:4\n"
    report = listings.import_listings(shop(), "woo-eu", csv_text)
    assert report.healed_orders == ["10"] and report.refused == []
    stored = orders.get_order(shop(), "woo-eu", "10")
    assert stored.status is OrderStatus.READY
    line = stored.lines[0]
    assert line.sku_id is None and line.listing_id is not None
    with shop() as uow:
        definitions = bundles.bundle_definitions(uow)
        ids = {s.code: s.id for s in uow.skus.list()}
    assert definitions[("listing", line.listing_id)] == sorted([(ids["TENT"], 1), (ids["POLE"], 4)])


def test_the_same_order_twice_is_refused_not_duplicated(shop: UowFactory) -> None:
    ingest(shop, woo(11, [("TENT", 1)]))
    with pytest.raises(AlreadyExists, match="woo-eu/11"):
        ingest(shop, woo(11, [("TENT", 1)]))


def test_fx_rate_needs_its_source_and_a_presentment_currency(shop: UowFactory) -> None:
    with shop() as uow:
        channel = uow.channels.by_key("woo-eu")
        tenant_id, channel_id = channel.tenant_id, channel.id
    assert channel_id is not None

    def order(**fx: Any) -> Order:
        line = OrderLine("TENT", 1, Money.of("10", "EUR"))
        return Order(tenant_id, channel_id, f"fx-{len(fx)}-{fx.get('fx_source')}", "EUR",
                     datetime(2026, 11, 20, tzinfo=UTC), lines=[line], **fx)  # fmt: skip

    with pytest.raises(InvalidValue, match="fx_source"):
        orders.store_order(shop(), "woo-eu", order(presentment_currency="USD", fx_rate=RATE))
    fx = {"presentment_currency": "USD", "fx_rate": RATE, "fx_source": "ecb:2026-11-20"}
    stored = orders.store_order(shop(), "woo-eu", order(**fx))
    again = orders.get_order(shop(), "woo-eu", stored.external_id)
    assert (again.currency, again.presentment_currency) == ("EUR", "USD")
    assert (again.fx_rate, again.fx_source) == (RATE, "ecb:2026-11-20")


def test_a_dry_run_import_heals_nothing(shop: UowFactory) -> None:
    ingest(shop, woo(12, [("MYSTERY", 1)]))
    report = listings.import_listings(shop(), "woo-eu", "channel_sku,sku\nMYSTERY,POLE\n",
                                      dry_run=True)  # fmt: skip
    assert report.healed_orders == ["12"]  # what would happen ...
    assert orders.get_order(shop(), "woo-eu", "12").status is OrderStatus.ON_HOLD  # ... did not


def test_removing_a_bundle_holds_ready_orders_but_never_an_allocated_one(shop: UowFactory) -> None:
    listings.import_listings(shop(), "woo-eu", "channel_sku,sku,components\nSET,,TENT:1\n")
    ingest(shop, woo(13, [("SET", 1)]))
    ingest(shop, woo(14, [("SET", 1)]))
    with shop() as uow:  # as if the allocator had reserved order 13
        allocated = uow.orders.by_external_id(uow.channels.by_key("woo-eu").id or 0, "13")
        assert allocated is not None
        allocated.transition(OrderStatus.ALLOCATED)
        uow.commit()
    listings.import_listings(shop(), "woo-eu", "channel_sku,sku,components\nSET,,\n")
    assert orders.get_order(shop(), "woo-eu", "13").status is OrderStatus.ALLOCATED
    held = orders.get_order(shop(), "woo-eu", "14")
    assert (held.status, held.status_reason) == (
        OrderStatus.ON_HOLD, "unmapped SKU SET on channel woo-eu")  # fmt: skip


def test_a_line_without_sku_is_held_and_linked_by_the_platforms_listing_id(
    shop: UowFactory,
) -> None:
    with shop() as uow:
        channel_id, tid = uow.channels.by_key("woo-eu").id, uow.tenant_id
    assert tid is not None and channel_id is not None
    order = Order(tid, channel_id, "NOSKU-1", "EUR", datetime(2026, 11, 20, tzinfo=UTC),
                  status=OrderStatus.READY)  # fmt: skip
    order.add_line(OrderLine(None, 1, Money.of("10", "EUR"), external_id="L1",
                             platform_listing_id="4455"))  # fmt: skip
    orders.store_order(shop(), "woo-eu", order)
    held = orders.get_order(shop(), "woo-eu", "NOSKU-1")
    assert held.status is OrderStatus.ON_HOLD
    assert held.status_reason == "unmapped SKU #4455 on channel woo-eu"
    assert [u.channel_sku for u in listings.unmapped_skus(shop(), "woo-eu")] == ["#4455"]
    listings.link_listing(shop(), "woo-eu", "#4455", "TENT")
    healed = orders.get_order(shop(), "woo-eu", "NOSKU-1")
    assert healed.status is OrderStatus.READY
    (line,) = healed.lines
    assert line.channel_sku is None and line.sku_id is not None  # still missing, now mapped
