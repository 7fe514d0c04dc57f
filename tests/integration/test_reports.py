"""Operator reports on a small known history: each figure is worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, cast, insert, literal, select, update

from hub.db import tables as t
from hub.db.tables_allocation import line_fulfilments
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.orders import OrderStatus
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


def _generated_window(tenant: Callable[[], UnitOfWork], orders: int) -> None:
    """`orders` orders placed an hour ago on `web`, three lines of 2 x SKU-A at 10 each,
    inserted set-based (a recursive series, on both databases): line 1 shipped 2 h after
    placing, line 2 has 1 unit reserved, line 3 nothing; every tenth order's line 1 had
    1 unit returned."""
    s = shop(tenant, {("BER", "SKU-A"): 0})
    placed = utcnow() - timedelta(hours=1)
    shipped_at = placed + timedelta(hours=2)
    n = select(literal(1).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < orders))
    o, ln = t.orders.c, t.order_lines.c
    f, r = line_fulfilments.c, t.reservations.c
    wh, sku = s.warehouse_ids["BER"], s.sku_ids["SKU-A"]
    with tenant() as uow:
        tenant_id = uow.tenant_id
        sql = uow.session
        sql.execute(
            insert(t.orders).from_select(
                [
                    "tenant_id",
                    "channel_id",
                    "external_id",
                    "status",
                    "currency",
                    "ship_to",
                    "placed_at",
                ],
                select(
                    literal(tenant_id),
                    literal(s.channel_id),
                    literal("G-") + cast(n.c.i, String),
                    literal(OrderStatus.PARTIALLY_SHIPPED, t.orders.c.status.type),
                    literal("EUR"),
                    literal({}, t.orders.c.ship_to.type),
                    literal(placed, t.orders.c.placed_at.type),
                ),
            )
        )
        k = select(literal(1).label("k")).cte("k", recursive=True)
        k = k.union_all(select(k.c.k + 1).where(k.c.k < 3))
        money = t.order_lines.c.unit_price_amount.type
        sql.execute(
            insert(t.order_lines).from_select(
                [
                    "tenant_id",
                    "order_id",
                    "external_id",
                    "channel_sku",
                    "sku_id",
                    "title",
                    "quantity",
                    "unit_price_amount",
                    "discount_amount",
                    "tax_amount",
                    "currency",
                    "raw",
                ],
                select(
                    o.tenant_id,
                    o.id,
                    literal("L") + cast(k.c.k, String),
                    literal("SKU-A"),
                    literal(sku),
                    literal(""),
                    literal(2),
                    literal(Decimal(10), money),
                    literal(Decimal(0), money),
                    literal(Decimal(0), money),
                    literal("EUR"),
                    literal({}, t.order_lines.c.raw.type),
                )
                .select_from(t.orders)
                .join(k, literal(True))
                .where(o.tenant_id == tenant_id),
            )
        )
        first = select(ln.id, ln.order_id).where(ln.tenant_id == tenant_id, ln.external_id == "L1")
        first_lines = first.subquery()
        common = [literal(tenant_id), first_lines.c.id, literal(wh), literal(sku)]
        columns = ["tenant_id", "order_line_id", "warehouse_id", "sku_id", "kind", "quantity"]
        sql.execute(
            insert(line_fulfilments).from_select(
                [*columns, "created_at"],
                select(
                    *common,
                    literal("shipment"),
                    literal(2),
                    literal(shipped_at, f.created_at.type),
                ),
            )
        )
        sql.execute(
            insert(line_fulfilments).from_select(
                [*columns, "created_at"],
                select(
                    *common, literal("return"), literal(1), literal(shipped_at, f.created_at.type)
                ).where(first_lines.c.order_id % 10 == 0),
            )
        )
        second = select(ln.id).where(ln.tenant_id == tenant_id, ln.external_id == "L2").subquery()
        sql.execute(
            insert(t.reservations).from_select(
                ["tenant_id", "order_line_id", "warehouse_id", "sku_id", "quantity", "created_at"],
                select(
                    literal(tenant_id),
                    second.c.id,
                    literal(wh),
                    literal(sku),
                    literal(1),
                    literal(placed, r.created_at.type),
                ),
            )
        )
        uow.commit()


def test_reports_over_a_window_of_more_than_65535_lines_answer(
    tenant: Callable[[], UnitOfWork],
) -> None:
    """The driver refuses a statement with more than 65,535 parameters: a report that
    sent every line id of its window as one failed here on PostgreSQL."""
    orders = 23_400  # 70,200 lines
    _generated_window(tenant, orders)
    [fill] = _report(tenant, "fill-rate")
    # Per order 6 units: 2 shipped (line 1) + 1 reserved (line 2).
    assert (fill["units_ordered"], fill["units_filled"], fill["fill_rate"]) == (
        6 * orders,
        3 * orders,
        "0.5000",
    )
    [cycle] = _report(tenant, "cycle-time")
    assert (cycle["shipped_orders"], cycle["median_hours"], cycle["max_hours"]) == (
        orders,
        2.0,
        2.0,
    )
    [accuracy] = _report(tenant, "order-accuracy")
    # The ids of every tenth order are multiples of 10: a tenth of the orders had a return.
    assert (accuracy["shipped_orders"], accuracy["returned_orders"]) == (orders, orders // 10)
    assert accuracy["accuracy"] == "0.9000"
    [abc] = _report(tenant, "abc")
    assert (abc["sku"], Decimal(str(abc["revenue"])), abc["class"]) == (
        "SKU-A",
        Decimal(60 * orders),
        "A",
    )


def test_window_excludes_older_and_cancelled_orders_and_medians_average_the_middle_pair(
    tenant: Callable[[], UnitOfWork],
) -> None:
    """Four orders shipped 1, 2, 4 and 10 h after placing (median of an even count: the
    mean of 2 and 4 = 3), one cancelled order and one placed 40 days ago (both out)."""
    s = shop(tenant, {("BER", "SKU-A"): 100})
    ids = [s.order([("SKU-A", 1)]) for _ in range(4)]
    cancelled = s.order([("SKU-A", 5)], status=OrderStatus.CANCELLED)
    old = s.order([("SKU-A", 7)])
    now = utcnow()
    for order_id in (*ids, old):
        allocation.allocate(tenant(), order_id)
        fulfilment.ship(tenant(), order_id, actor="test")
    f, ln = line_fulfilments.c, t.order_lines.c
    with tenant() as uow:
        for order_id, hours in zip(ids, (1, 2, 4, 10), strict=True):
            uow.session.execute(
                update(t.orders)
                .where(t.orders.c.id == order_id)
                .values(placed_at=now - timedelta(hours=hours))
            )
            uow.session.execute(
                update(line_fulfilments)
                .where(f.order_line_id.in_(select(ln.id).where(ln.order_id == order_id)))
                .values(created_at=now)
            )
        for order_id, at in ((cancelled, now), (old, now - timedelta(days=40))):
            uow.session.execute(
                update(t.orders).where(t.orders.c.id == order_id).values(placed_at=at)
            )
        uow.commit()
    [cycle] = _report(tenant, "cycle-time", now=now)
    assert (cycle["shipped_orders"], cycle["median_hours"], cycle["max_hours"]) == (4, 3.0, 10.0)
    [fill] = _report(tenant, "fill-rate", now=now)
    assert (fill["units_ordered"], fill["units_filled"]) == (4, 4)
    [abc] = _report(tenant, "abc", now=now)
    assert Decimal(str(abc["revenue"])) == 40  # 4 x 1 x 10: the cancelled and the old order are out
    turnover = {r["sku"]: r for r in _report(tenant, "inventory-turnover", now=now)}
    # 100 counted in and 11 shipped, all inside the window: 0 at its start, 89 now.
    assert (turnover["SKU-A"]["shipped"], turnover["SKU-A"]["on_hand"]) == (11, 89)
    assert turnover["SKU-A"]["average_on_hand"] == "44.5"


def test_sync_health_counts_the_window_per_channel(tenant: Callable[[], UnitOfWork]) -> None:
    """web: webhooks 2 accepted + 1 rejected this week (1 accepted 40 days ago is out),
    pushes 1 accepted + 1 rejected, one open error (one resolved is not), pulled 2 h ago."""
    from hub.db.tables_sync import (
        push_deliveries,
        sync_cursors,
        sync_errors,
        sync_status,
        webhook_deliveries,
    )

    s = shop(tenant, {("BER", "SKU-A"): 1})
    now = utcnow()
    recent, old = now - timedelta(days=1), now - timedelta(days=40)
    with tenant() as uow:
        tid, sql = uow.tenant_id, uow.session
        common = {"tenant_id": tid, "channel_id": s.channel_id}
        for outcome, at in (("accepted", recent), ("accepted", recent), ("rejected", recent)):
            sql.execute(
                insert(webhook_deliveries).values(outcome=outcome, received_at=at, **common)
            )
        sql.execute(
            insert(webhook_deliveries).values(outcome="accepted", received_at=old, **common)
        )
        for outcome in ("accepted", "rejected"):
            sql.execute(
                insert(push_deliveries).values(
                    outcome=outcome,
                    version=1,
                    quantity=1,
                    source="outbox",
                    delivered_at=recent,
                    **common,
                )
            )
        for resolved in (None, recent):
            sql.execute(
                insert(sync_errors).values(
                    stage="map",
                    record="order 1",
                    reason="x",
                    created_at=old,
                    last_attempt_at=old,
                    resolved_at=resolved,
                    **common,
                )
            )
        pulled = now - timedelta(hours=2)
        # The scheduler claimed a later job (the cursor row moves): not a successful sync.
        claimed = now - timedelta(minutes=5)
        sql.execute(insert(sync_cursors).values(stream="orders", updated_at=claimed, **common))
        sql.execute(insert(sync_status).values(stream="orders", last_success_at=pulled, **common))
        uow.commit()
    [health] = _report(tenant, "sync-health", days=7, now=now)
    assert health == {
        "channel": "web",
        "last_sync": pulled.isoformat(),
        "open_errors": 1,
        "webhooks_accepted": 2,
        "webhooks_rejected": 1,
        "pushes_accepted": 1,
        "pushes_rejected": 1,
    }
