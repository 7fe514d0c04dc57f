"""Lists page by cursor in a stable order, say whether their total is exact, and refuse
pages or windows past their limits with a 422 that names the limit (never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select

from hub.db import tables as t
from hub.db.paging import total_of
from hub.db.tables_operator import audit_entries
from hub.services import audit
from hub.services.order_views import OrderFilter, orders_query
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import World, world

V = "/api/v1"
SAME_MOMENT = datetime(2026, 11, 5, 12, tzinfo=UTC)


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _get(w: World, url: str) -> Any:
    return w.call(w.a.tokens[Role.ADMIN], "GET", url)


def _add_orders(w: World, count: int) -> None:
    """`count` more orders of tenant A, all placed at the same moment: only the id
    breaks their tie."""
    with w.a.uow(w.db) as uow:
        uow.session.execute(
            insert(t.orders),
            [
                {
                    "tenant_id": w.a.id,
                    "channel_id": w.a.shop.channel_id,
                    "external_id": f"TIE-{i}",
                    "status": "ready",
                    "currency": "EUR",
                    "ship_to": {},
                    "placed_at": SAME_MOMENT,
                }
                for i in range(count)
            ],
        )
        uow.commit()


def _walk(w: World, first: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    url = first
    while True:
        page = _get(w, url).json()
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            return seen
        url = f"{first}&cursor={page['next_cursor']}"


def test_walking_the_orders_by_cursor_yields_each_once_newest_first(w: World) -> None:
    _add_orders(w, 7)
    everything = _get(w, f"{V}/orders?limit=500").json()
    assert (everything["total"], everything["total_estimate"]) == (10, False)
    walked = _walk(w, f"{V}/orders?limit=3")
    assert [o["id"] for o in walked] == [o["id"] for o in everything["items"]]
    assert len({o["id"] for o in walked}) == 10
    keys = [(o["placed_at"], o["id"]) for o in walked]
    assert keys == sorted(keys, reverse=True)  # newest first, ties by id, stable


def test_a_cursor_walk_through_a_filter_and_the_held_list(w: World) -> None:
    _add_orders(w, 4)
    ready = _walk(w, f"{V}/orders?status=ready&limit=1")
    assert [o["external_id"] for o in ready] == [f"TIE-{i}" for i in (3, 2, 1, 0)]
    held = _walk(w, f"{V}/held-orders?limit=1")
    assert {o["external_id"] for o in held} == {"ALFA-held", "ALFA-held2"}


def test_stock_is_paged_in_sql_by_sku_warehouse_and_lot(w: World) -> None:
    walked = _walk(w, f"{V}/stock?limit=1")
    keys = [(r["sku"], r["warehouse"], r["lot"]) for r in walked]
    assert keys == [("SKU-A", "BER", ""), ("SKU-A", "NJ", ""), ("SKU-B", "BER", "")]
    assert walked[2]["available"] == 3 and walked[0]["low"] is False
    one = _get(w, f"{V}/stock?sku=SKU-A&warehouse=NJ").json()
    assert [(r["on_hand"], r["total"]) for r in [one["items"][0] | one]] == [(20, 1)]


def test_audit_trail_walks_newest_first_and_its_total_follows_the_filter(w: World) -> None:
    with w.a.uow(w.db) as uow:
        for i in range(5):
            audit.record(uow.session, w.a.id, "test", "paging.test", f"target-{i}")
        uow.commit()
    walked = _walk(w, f"{V}/audit?action=paging.test&limit=2")
    assert [e["target"] for e in walked] == [f"target-{i}" for i in (4, 3, 2, 1, 0)]
    assert _get(w, f"{V}/audit?action=paging.test").json()["total"] == 5
    with w.a.uow(w.db) as uow:
        everything = uow.session.execute(
            select(audit_entries.c.id).where(audit_entries.c.tenant_id == w.a.id)
        ).all()
    assert _get(w, f"{V}/audit").json()["total"] == len(everything)


def test_errors_walk_oldest_first(w: World) -> None:
    walked = _walk(w, f"{V}/errors?limit=1")
    assert [e["id"] for e in walked] == [w.a.ids["error"]]
    assert walked[0]["reason"] == "ALFA reason: unknown SKU"


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (f"{V}/orders?limit=1000000", "500"),
        (f"{V}/stock?limit=1000000", "500"),
        (f"{V}/audit?limit=1000000", "500"),
        (f"{V}/orders?offset=10001", "10000"),
        (f"{V}/orders?cursor=bm90LWEtY3Vyc29y", "cursor"),
        (f"{V}/orders?cursor=WyJ4Il0", "cursor"),  # ["x"]: one value, two expected
        (f"{V}/stock?cursor=WzEsMiwzXQ&limit=1", "cursor"),  # ints where codes are
        (f"{V}/errors?cursor=WyJ4Il0", "cursor"),
        (f"{V}/orders?cursor=WyJ4Il0&offset=5", "cursor"),
        (f"{V}/reports/fill-rate?days=3651", "3650"),
        (f"{V}/audit?since=2026-11-01T00:00:00", "since"),
    ],
)
def test_bad_pages_and_windows_are_422_naming_the_limit(w: World, url: str, named: str) -> None:
    response = _get(w, url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert named in response.text


def test_a_ten_year_report_window_answers(w: World) -> None:
    response = _get(w, f"{V}/reports/fill-rate?days=3650")
    assert response.status_code == 200, response.text
    [row] = response.json()["items"]
    assert row["units_ordered"] == 4  # held 1 + held 1 + allocated 2


def test_a_total_past_the_exact_bound_is_the_planners_estimate_on_postgresql(
    w: World,
) -> None:
    _add_orders(w, 20)
    query = orders_query(w.a.id, OrderFilter())
    with w.a.uow(w.db) as uow:
        small = total_of(uow.session, query, exact_up_to=100)
        big = total_of(uow.session, query, exact_up_to=5)
    assert (small.value, small.estimate) == (23, False)
    if w.db.backend == "postgres":
        assert big.estimate and big.value >= 6  # never less than it has seen
    else:
        assert (big.value, big.estimate) == (23, False)  # SQLite counts exactly


def test_the_dashboard_stock_page_filters_its_balances_in_sql(w: World) -> None:
    w.client.cookies.set("hub_token", w.a.tokens[Role.VIEWER])
    page = w.client.get("/dashboard/stock?warehouse=NJ")
    assert page.status_code == 200, page.text
    balances = page.text.split('<table id="ats">')[0]
    assert "<td>SKU-A</td>" in balances and "<td>SKU-B</td>" not in balances
    everything = w.client.get("/dashboard/stock").text.split('<table id="ats">')[0]
    assert "<td>SKU-B</td>" in everything and "available" in everything
