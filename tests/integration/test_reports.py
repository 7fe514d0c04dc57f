"""Operator reports on a small known history: each figure is worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.services import allocation, fulfilment
from hub.services.reports import run_report, to_csv
from tests.integration.alloc_setup import Shop, shop


def _history(tenant: Callable[[], UnitOfWork]) -> Shop:
    """SKU-A 20 and SKU-B 5 in BER, SKU-C none, SKU-D 7.
    O1: 8 x SKU-A at 10 (shipped 5 h after placing), O2: 1 x SKU-B at 15 (shipped, then
    returned), O3: 1 x SKU-C at 5 (backordered)."""
    s = shop(
        tenant,
        {("BER", "SKU-A"): 20, ("BER", "SKU-B"): 5, ("BER", "SKU-C"): 0, ("BER", "SKU-D"): 7},
    )
    o1 = s.order([("SKU-A", 8)], price="10")
    o2 = s.order([("SKU-B", 1)], price="15")
    o3 = s.order([("SKU-C", 1)], price="5")
    with tenant() as uow:
        uow.session.execute(update(t.orders).values(placed_at=utcnow() - timedelta(hours=5)))
        uow.commit()
    for order_id in (o1, o2, o3):
        allocation.allocate(tenant(), order_id)
    fulfilment.ship(tenant(), o1, actor="test")
    fulfilment.ship(tenant(), o2, actor="test")
    fulfilment.return_items(
        tenant(), o2, s.line_ids(o2)[0], 1, "BER", actor="test", reason="damaged"
    )
    return s


def _report(
    tenant: Callable[[], UnitOfWork], name: str, days: int = 30, now: datetime | None = None
) -> list[dict[str, object]]:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return run_report(uow.session, uow.tenant_id, name, days, now)


def test_reports_on_a_known_history(tenant: Callable[[], UnitOfWork]) -> None:
    _history(tenant)
    abc = {r["sku"]: (Decimal(str(r["revenue"])), r["class"]) for r in _report(tenant, "abc")}
    # 80 + 15 + 5: A starts at 0 % (A), B at 80 % (B), C at 95 % (C).
    assert abc == {
        "SKU-A": (Decimal(80), "A"),
        "SKU-B": (Decimal(15), "B"),
        "SKU-C": (Decimal(5), "C"),
    }
    [fill] = _report(tenant, "fill-rate")
    assert (fill["units_ordered"], fill["units_filled"], fill["fill_rate"]) == (10, 9, "0.9000")
    [cycle] = _report(tenant, "cycle-time")
    assert cycle["shipped_orders"] == 2
    assert abs(float(str(cycle["median_hours"])) - 5.0) < 0.05
    [accuracy] = _report(tenant, "order-accuracy")
    assert (accuracy["shipped_orders"], accuracy["returned_orders"], accuracy["accuracy"]) == (
        2,
        1,
        "0.5000",
    )
    turnover = {r["sku"]: r for r in _report(tenant, "inventory-turnover")}
    # SKU-A: 0 at the window's start, 20 in, 8 out: 12 now, average 6, 8 / 6 turns.
    assert (turnover["SKU-A"]["shipped"], turnover["SKU-A"]["turnover"]) == (8, "1.33")
    assert _report(tenant, "stale-stock") == []  # everything moved this month
    later = utcnow() + timedelta(days=100)  # nothing moves for 100 days: all on hand is stale
    stale = _report(tenant, "stale-stock", days=30, now=later)
    assert [(r["sku"], r["on_hand"]) for r in stale] == [("SKU-A", 12), ("SKU-B", 5), ("SKU-D", 7)]
    [health] = _report(tenant, "sync-health")
    assert (health["channel"], health["last_sync"], health["open_errors"]) == ("web", None, 0)


def test_csv_export_has_a_header_and_one_line_per_row(tenant: Callable[[], UnitOfWork]) -> None:
    _history(tenant)
    lines = to_csv(_report(tenant, "order-accuracy")).splitlines()
    assert lines == ["channel,shipped_orders,returned_orders,accuracy", "web,2,1,0.5000"]
