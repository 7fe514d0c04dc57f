"""Available-to-sell per channel, its outbox events, low stock and the reorder report."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hub.db.outbox import Outbox
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, fulfilment, inventory, purchasing
from hub.services.allocation import allocate
from hub.services.stock_events import STOCK_CHANGED, STOCK_LOW
from hub.services.stock_policy import ats_report, reorder_report, set_policy
from tests.integration.alloc_setup import shop

Tenant = Callable[[], UnitOfWork]


def _events(tenant: Tenant, topic: str) -> list[dict[str, object]]:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return [
            {**e.payload, "version": e.version, "key": e.key}
            for e in Outbox(uow.session, uow.tenant_id).pending(topic, limit=1000)
        ]


def test_allocation_publishes_the_channels_new_figure_in_the_same_transaction(
    tenant: Tenant,
) -> None:
    s = shop(tenant, {("BER", "TENT"): 10, ("NJ", "TENT"): 5})
    before = _events(tenant, STOCK_CHANGED)
    assert before[-1]["available"] == 15
    allocate(tenant(), s.order([("TENT", 4)]))
    after = _events(tenant, STOCK_CHANGED)
    latest = after[-1]
    assert latest["available"] == 11 and latest["sku_id"] == s.sku_ids["TENT"]
    assert latest["version"] == int(str(before[-1]["version"])) + 1
    assert len(after) == len(before) + 1


def test_a_repeat_allocation_or_an_unchanged_figure_writes_no_event(tenant: Tenant) -> None:
    s = shop(tenant, {("BER", "TENT"): 10})
    order = s.order([("TENT", 1)])
    allocate(tenant(), order)
    count = len(_events(tenant, STOCK_CHANGED))
    allocate(tenant(), order)
    # Shipping lowers on_hand and reserved together: available does not move.
    fulfilment.ship(tenant(), order, actor="t")
    assert len(_events(tenant, STOCK_CHANGED)) == count


def test_channel_figure_applies_buffer_share_cap_and_end_when(tenant: Tenant) -> None:
    s = shop(
        tenant,
        {("BER", "TENT"): 50, ("NJ", "TENT"): 50, ("FBA", "TENT"): 999},
        warehouses=("BER", "NJ", "FBA"),
    )
    inventory.set_safety_stock(tenant(), "NJ", "TENT", 10)
    set_policy(tenant(), "web", buffer=5, share=Decimal("0.5"))
    (row,) = ats_report(tenant(), "web")
    assert (row.pooled, row.available) == (90, 42)  # (50 + 40 - 5) * 0.5, floored
    assert _events(tenant, STOCK_CHANGED)[-1]["available"] == 42
    set_policy(tenant(), "web", max_to_list=30)
    assert ats_report(tenant(), "web")[0].available == 30
    set_policy(tenant(), "web", end_when=30)
    assert ats_report(tenant(), "web")[0].available == 0
    assert _events(tenant, STOCK_CHANGED)[-1]["available"] == 0
    assert s.verify() == []


def test_falling_to_the_reorder_point_writes_a_low_stock_event_and_a_suggestion(
    tenant: Tenant,
) -> None:
    s = shop(tenant, {("BER", "TENT"): 10}, warehouses=("BER",))
    inventory.set_safety_stock(tenant(), "BER", "TENT", 0, reorder_point=4)
    catalog.create_supplier(tenant(), "ALPS", "Alps", "EUR", lead_time_days=10)
    purchasing.create_purchase_order(
        tenant(), "PO-1", "ALPS", "BER", [("TENT", 2, Money.of("5", "EUR"))]
    )
    order = s.order([("TENT", 6)])
    allocate(tenant(), order)
    fulfilment.ship(tenant(), order, actor="t")
    low = _events(tenant, STOCK_LOW)
    assert [e["available"] for e in low] == [4]
    ((warehouse, sku, suggestion),) = reorder_report(tenant(), window_days=30, cover_days=50)
    assert (warehouse, sku) == ("BER", "TENT")
    # 6 shipped in 30 days = 0.2/day; (10 lead + 50 cover) * 0.2 = 12; minus 4 available
    # and 2 already on order
    assert suggestion.on_order == 2 and suggestion.suggested == 12 - 4 - 2
