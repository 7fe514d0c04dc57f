"""A merchant's history at 10k, 100k and 1M orders: lists, reports and dashboard pages
must stay flat as the history grows, and close to the SQL that returns the same rows.

    python -m bench.scale [--sizes 10000,100000,1000000] [--repeat 5] [--keep]

Builds a fresh PostgreSQL database (127.0.0.1:5432, user postgres; dropped at the end
unless --keep) and grows one tenant's history set-based (INSERT ... SELECT
generate_series): 1,000 orders a day going back in time from now, 3 lines each over 500
SKUs and two channels, shipments (and some returns) for older orders, reservations for the
newest, and a ledger that keeps the invariant (balances = sum of movements: each shipped
line has its reservation and shipment movements; receipts cover them). Growing adds older
history only, so a report's window (7 days) holds the same orders at every size and any
slowdown is the history's cost.

At each size, for every list (first page, a deep page by cursor, each filter), windowed
report and dashboard page: the median time through the service the API calls (`service`)
and through the API with a token (`api`), against a hand-written SQL query returning the
same rows on a bare psycopg connection (`sql`; for a paged list that is the page and its
total, counted the way the service counts it; the page alone is printed beside it as
`rows-only sql`). Last line:
`flat_ratio_1m_vs_10k=.. worst_endpoint=.. worst_ratio_vs_sql=.. failures=0` where
flat_ratio is the worst largest/smallest-size service-time ratio over paged lists and
windowed reports, worst_ratio_vs_sql the worst service/sql ratio at the largest size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.migrate import upgrade
from hub.db.paging import EXACT_UP_TO
from hub.domain.clock import utcnow
from hub.domain.money import Money
from hub.services import catalog, order_views, reports, tokens
from hub.services.order_views import OrderFilter
from hub.services.overview import overview
from hub.services.tokens import Role

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PER_DAY = 1000
SKUS = 500
DAYS = 7  # the report window
PAGE = 50
NOW = utcnow().replace(microsecond=0)


@dataclass
class Shop:
    tenant_id: int
    channels: dict[str, int]
    warehouses: list[int]
    token: str


def _setup(hub: Hub) -> Shop:
    tenant = catalog.create_tenant(hub.uow(), f"scale-{uuid.uuid4().hex[:6]}", "Scale")
    assert tenant.id is not None
    uow = lambda: hub.uow(tenant.id)  # noqa: E731
    channels = {
        name: catalog.create_channel(uow(), name, platform, "EUR").id or 0
        for name, platform in (("web", "shopify"), ("amazon", "amazon"))
    }
    warehouses = [
        catalog.create_warehouse(uow(), code, code, country="DE").id or 0 for code in ("BER", "NJ")
    ]
    for n in range(SKUS):
        catalog.create_sku(uow(), f"SKU-{n:04d}", f"Product {n}", Money.of("3", "EUR"))
    with uow() as u:
        token = tokens.create_token(u.session, tenant.id, "bench", Role.ADMIN)
        u.commit()
    return Shop(tenant.id, channels, warehouses, token)


GROW = """
INSERT INTO orders (tenant_id, channel_id, external_id, status, currency, ship_to,
                    placed_at, customer_name)
SELECT %(t)s, CASE WHEN i %% 3 = 0 THEN %(amazon)s ELSE %(web)s END, 'B-' || i,
       CASE WHEN i %% 97 = 0 THEN 'cancelled' WHEN i %% 499 = 0 THEN 'on_hold'
            WHEN i <= 2000 THEN 'allocated' ELSE 'shipped' END,
       'EUR', '{}', %(now)s - make_interval(secs => i * 86400.0 / %(per_day)s),
       'Buyer ' || (i %% 5000)
FROM generate_series(%(lo)s::int, %(hi)s::int) AS i;

CREATE TEMP TABLE new_lines ON COMMIT DROP AS
SELECT o.id AS order_id, o.status, o.placed_at, k, substr(o.external_id, 3)::int AS i,
       s.id AS sku_id, 1 + (substr(o.external_id, 3)::int + k) %% 3 AS quantity,
       (SELECT w FROM unnest(%(warehouses)s::bigint[]) WITH ORDINALITY AS u(w, n)
        WHERE n = 1 + (substr(o.external_id, 3)::int %% 2)) AS warehouse_id
FROM orders o CROSS JOIN generate_series(1, 3) AS k
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM skus
      WHERE tenant_id = %(t)s) s ON s.n = (substr(o.external_id, 3)::int * 3 + k) %% %(skus)s
WHERE o.tenant_id = %(t)s AND o.id > %(max_order)s;

INSERT INTO order_lines (tenant_id, order_id, external_id, channel_sku, sku_id, title,
                         quantity, unit_price_amount, discount_amount, tax_amount,
                         currency, raw)
SELECT %(t)s, order_id, 'L' || k, 'CH-' || sku_id, sku_id, '', quantity,
       5 + sku_id %% 20, 0, 0, 'EUR', '{}'
FROM new_lines;

CREATE TEMP TABLE new_facts ON COMMIT DROP AS
SELECT ln.id AS line_id, nl.* FROM new_lines nl
JOIN order_lines ln ON ln.order_id = nl.order_id AND ln.external_id = 'L' || nl.k;

INSERT INTO line_fulfilments (tenant_id, order_line_id, kind, warehouse_id, sku_id,
                              lot_code, quantity, created_at)
SELECT %(t)s, line_id, 'shipment', warehouse_id, sku_id, '', quantity,
       placed_at + make_interval(hours => 1 + i %% 48)
FROM new_facts WHERE status = 'shipped'
UNION ALL
SELECT %(t)s, line_id, 'return', warehouse_id, sku_id, '', 1,
       placed_at + make_interval(days => 3)
FROM new_facts WHERE status = 'shipped' AND i %% 53 = 0 AND k = 1;

INSERT INTO reservations (tenant_id, order_line_id, warehouse_id, sku_id, lot_code,
                          quantity, created_at)
SELECT %(t)s, line_id, warehouse_id, sku_id, '', quantity, placed_at
FROM new_facts WHERE status = 'allocated';

INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id, lot_code, quantity,
                             on_hand_delta, reserved_delta, reference, actor, reason,
                             created_at)
SELECT %(t)s, 'reservation', warehouse_id, sku_id, '', quantity, 0, quantity,
       'order:' || order_id, 'bench', '', placed_at
FROM new_facts WHERE status IN ('shipped', 'allocated')
UNION ALL
SELECT %(t)s, 'shipment', warehouse_id, sku_id, '', quantity, -quantity, -quantity,
       'order:' || order_id, 'bench', '', placed_at + make_interval(hours => 1 + i %% 48)
FROM new_facts WHERE status = 'shipped'
UNION ALL
SELECT %(t)s, 'return', warehouse_id, sku_id, '', 1, 1, 0,
       'order:' || order_id, 'bench', '', placed_at + make_interval(days => 3)
FROM new_facts WHERE status = 'shipped' AND i %% 53 = 0 AND k = 1;

-- Receipts before the batch's oldest order cover what it ships and reserves, plus 50.
INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id, lot_code, quantity,
                             on_hand_delta, reserved_delta, reference, actor, reason,
                             created_at)
SELECT %(t)s, 'receipt', warehouse_id, sku_id, '', total + 50, total + 50, 0, 'po:bench',
       'bench', '', min_at - interval '1 day'
FROM (SELECT warehouse_id, sku_id, min(placed_at) AS min_at,
             sum(CASE WHEN status = 'shipped' THEN quantity ELSE 0 END)
           + sum(CASE WHEN status = 'allocated' THEN quantity ELSE 0 END) AS total
      FROM new_facts GROUP BY warehouse_id, sku_id) AS needs;

INSERT INTO stock_levels (tenant_id, warehouse_id, sku_id, lot_code, on_hand, reserved,
                          safety_stock, reorder_point)
SELECT %(t)s, warehouse_id, sku_id, '', sum(on_hand_delta), sum(reserved_delta), 5, 0
FROM stock_movements WHERE tenant_id = %(t)s GROUP BY warehouse_id, sku_id
ON CONFLICT (warehouse_id, sku_id, lot_code)
DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved;

INSERT INTO inbox_records (tenant_id, channel_id, kind, external_id, version, source,
                           payload, received_at, status, attempts, order_id)
SELECT %(t)s, channel_id, 'order', external_id, '1', 'poll',
       json_build_object('id', external_id), placed_at, 'processed', 1, id
FROM orders WHERE tenant_id = %(t)s AND id > %(max_order)s;

INSERT INTO sync_errors (tenant_id, channel_id, inbox_id, stage, record, field, reason,
                         attempts, created_at, last_attempt_at, resolved_at)
SELECT %(t)s, channel_id, id, 'map', 'order ' || external_id, 'sku', 'unknown SKU', 1,
       received_at, received_at,
       CASE WHEN substr(external_id, 3)::int %% 10 = 0 THEN NULL ELSE received_at END
FROM inbox_records
WHERE tenant_id = %(t)s AND order_id > %(max_order)s
  AND substr(external_id, 3)::int %% 100 = 0;

INSERT INTO audit_entries (tenant_id, actor, action, target, before, after, at)
SELECT %(t)s, 'token:bench', CASE WHEN i %% 7 = 0 THEN 'stock.scrap' ELSE 'order.ship' END,
       'order:' || i, '{}', '{}', %(now)s - make_interval(secs => i * 864.0 / %(per_day)s)
FROM generate_series(%(lo)s::int, %(hi)s::int) AS i WHERE i %% 10 = 0;

INSERT INTO webhook_deliveries (tenant_id, channel_id, delivery_id, dedupe_key, topic,
                                outcome, reason, records, received_at)
SELECT %(t)s, channel_id, 'd-' || id, 'd-' || id, 'orders/updated',
       CASE WHEN id %% 50 = 0 THEN 'rejected' ELSE 'accepted' END, '', 1, placed_at
FROM orders WHERE tenant_id = %(t)s AND id > %(max_order)s AND id %% 2 = 0;
"""


def grow(conn: psycopg.Connection[Any], shop: Shop, have: int, want: int) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM orders")
        row = cur.fetchone()
        assert row is not None
        values = {
            "t": shop.tenant_id,
            "web": shop.channels["web"],
            "amazon": shop.channels["amazon"],
            "warehouses": shop.warehouses,
            "now": NOW,
            "per_day": PER_DAY,
            "lo": have + 1,
            "hi": want,
            "max_order": row[0],
            "skus": SKUS,
        }
        for statement in GROW.split(";\n"):
            if statement.strip():
                cur.execute(statement, values)  # type: ignore[arg-type]
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()
    return time.perf_counter() - started


def ledger_holds(conn: psycopg.Connection[Any], shop: Shop) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM stock_levels l
               LEFT JOIN (SELECT warehouse_id, sku_id, lot_code, sum(on_hand_delta) oh,
                                 sum(reserved_delta) rs
                          FROM stock_movements WHERE tenant_id = %(t)s
                          GROUP BY 1, 2, 3) m USING (warehouse_id, sku_id, lot_code)
               WHERE l.tenant_id = %(t)s
                 AND (l.on_hand, l.reserved) IS DISTINCT FROM (m.oh, m.rs)""",
            {"t": shop.tenant_id},
        )
        row = cur.fetchone()
    return row is not None and row[0] == 0


ORDER_COLUMNS = """o.id, o.external_id, o.status, o.status_reason, o.currency,
    o.customer_name, o.placed_at, c.name FROM orders o JOIN channels c ON c.id = o.channel_id"""
WINDOW = """FROM orders o JOIN channels c ON c.id = o.channel_id
    JOIN order_lines ln ON ln.order_id = o.id
    WHERE o.tenant_id = %(t)s AND o.placed_at >= %(since)s AND o.status <> 'cancelled'"""

SYNC_HEALTH = """SELECT c.name,
        (SELECT max(updated_at) FROM sync_cursors WHERE channel_id = c.id),
        (SELECT count(*) FROM sync_errors WHERE channel_id = c.id AND resolved_at IS NULL),
        (SELECT count(*) FROM webhook_deliveries WHERE channel_id = c.id
           AND outcome = 'accepted' AND received_at >= %(since)s),
        (SELECT count(*) FROM webhook_deliveries WHERE channel_id = c.id
           AND outcome = 'rejected' AND received_at >= %(since)s),
        (SELECT count(*) FROM push_deliveries WHERE channel_id = c.id
           AND outcome = 'accepted' AND delivered_at >= %(since)s),
        (SELECT count(*) FROM push_deliveries WHERE channel_id = c.id
           AND outcome = 'rejected' AND delivered_at >= %(since)s)
        FROM channels c WHERE c.tenant_id = %(t)s ORDER BY c.name"""

BASELINES: dict[str, str] = {
    "orders first page": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "orders deep page (cursor)": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        AND (o.placed_at, o.id) < (%(deep_at)s, %(deep_id)s)
        ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "orders one day": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        AND o.placed_at >= %(day_from)s AND o.placed_at < %(day_to)s
        ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "orders status=on_hold": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        AND o.status = 'on_hold' ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "orders channel=amazon": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        AND c.name = 'amazon' ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "held orders": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        AND o.status IN ('on_hold', 'pending_review')
        ORDER BY o.placed_at DESC, o.id DESC LIMIT 51""",
    "stock first page": """SELECT w.code, s.code, l.lot_code, l.on_hand, l.reserved,
        l.safety_stock, greatest(l.on_hand - l.reserved - l.safety_stock, 0)
        FROM stock_levels l JOIN skus s ON s.id = l.sku_id
        JOIN warehouses w ON w.id = l.warehouse_id WHERE l.tenant_id = %(t)s
        ORDER BY s.code, w.code, l.lot_code LIMIT 51""",
    "errors first page": """SELECT * FROM sync_errors WHERE tenant_id = %(t)s
        AND resolved_at IS NULL ORDER BY id LIMIT 51""",
    "audit first page": """SELECT * FROM audit_entries WHERE tenant_id = %(t)s
        ORDER BY id DESC LIMIT 51""",
    "audit action=stock.scrap": """SELECT * FROM audit_entries WHERE tenant_id = %(t)s
        AND action = 'stock.scrap' ORDER BY id DESC LIMIT 51""",
    "report fill-rate": f"""SELECT c.name, sum(ln.quantity), sum(least(ln.quantity,
        coalesce((SELECT sum(quantity) FROM line_fulfilments f WHERE f.order_line_id = ln.id
                  AND f.kind = 'shipment'), 0)
      + coalesce((SELECT sum(quantity) FROM reservations r
                  WHERE r.order_line_id = ln.id), 0)))
        {WINDOW} GROUP BY c.name ORDER BY c.name""",
    "report cycle-time": f"""SELECT ch, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY h),
        max(h) FROM (SELECT c.name AS ch,
            extract(epoch FROM min(f.created_at) - o.placed_at) / 3600 AS h
        {WINDOW.replace("WHERE", "JOIN line_fulfilments f ON f.order_line_id = ln.id AND f.kind = 'shipment' WHERE")}
        GROUP BY c.name, o.id, o.placed_at) s GROUP BY ch ORDER BY ch""",  # noqa: E501
    "report order-accuracy": f"""SELECT ch, count(*) FILTER (WHERE s), count(*) FILTER (WHERE r),
        count(*) FILTER (WHERE s AND NOT r) FROM (SELECT c.name AS ch,
            bool_or(f.kind = 'shipment') AS s, bool_or(f.kind = 'return') AS r
        {WINDOW.replace("WHERE", "JOIN line_fulfilments f ON f.order_line_id = ln.id WHERE")}
        GROUP BY c.name, o.id) p GROUP BY ch HAVING count(*) FILTER (WHERE s) > 0
        ORDER BY ch""",
    "report abc": f"""SELECT s.code, ln.currency, sum(ln.quantity * ln.unit_price_amount) AS v
        {WINDOW.replace("WHERE", "JOIN skus s ON s.id = ln.sku_id WHERE")}
        GROUP BY s.code, ln.currency ORDER BY v DESC""",
    "report inventory-turnover": """SELECT s.code, lv.on_hand, coalesce(m.delta, 0),
        coalesce(m.shipped, 0)
        FROM (SELECT sku_id, sum(on_hand) AS on_hand FROM stock_levels
              WHERE tenant_id = %(t)s GROUP BY sku_id) lv
        JOIN skus s ON s.id = lv.sku_id
        LEFT JOIN (SELECT sku_id, sum(on_hand_delta) AS delta,
                          sum(quantity) FILTER (WHERE kind = 'shipment') AS shipped
                   FROM stock_movements WHERE tenant_id = %(t)s AND created_at >= %(since)s
                   GROUP BY sku_id) m ON m.sku_id = lv.sku_id ORDER BY s.code""",
    "report stale-stock": """SELECT s.code, lv.on_hand,
        (SELECT max(created_at) FROM stock_movements m
         WHERE m.tenant_id = %(t)s AND m.sku_id = lv.sku_id)
        FROM (SELECT sku_id, sum(on_hand) AS on_hand FROM stock_levels
              WHERE tenant_id = %(t)s GROUP BY sku_id) lv JOIN skus s ON s.id = lv.sku_id
        WHERE lv.on_hand > 0 AND NOT EXISTS (SELECT 1 FROM stock_movements m
            WHERE m.tenant_id = %(t)s AND m.sku_id = lv.sku_id AND m.created_at >= %(since)s)
        ORDER BY s.code""",
    "report sync-health": SYNC_HEALTH,
    "overview": """SELECT c.name, date_trunc('hour', o.placed_at), count(*)
        FROM orders o JOIN channels c ON c.id = o.channel_id
        WHERE o.tenant_id = %(t)s AND o.placed_at >= %(day_ago)s GROUP BY 1, 2;
        SELECT count(*) FROM orders WHERE tenant_id = %(t)s
          AND status IN ('on_hold', 'pending_review');
        SELECT count(*) FROM sync_errors WHERE tenant_id = %(t)s AND resolved_at IS NULL;
        SELECT min(created_at) FROM outbox_events
          WHERE tenant_id = %(t)s AND delivered_at IS NULL;
        """
    + SYNC_HEALTH.replace("%(since)s", "%(day_ago)s")
    + """;
        SELECT tenant_id, count(id) FROM orders
          WHERE tenant_id = %(t)s AND invoice_hold IS NOT NULL GROUP BY tenant_id;
        SELECT tenant_id, count(id), count(id) FILTER (WHERE resolved_at IS NULL)
          FROM sync_errors WHERE tenant_id = %(t)s AND stage = 'totals' GROUP BY tenant_id;
        SELECT c.name, s.stream, s.last_success_at, s.last_error_at, s.last_error
          FROM channels c LEFT JOIN sync_status s ON s.channel_id = c.id
          WHERE c.tenant_id = %(t)s ORDER BY c.name, s.stream""",
    "dashboard orders": f"""SELECT {ORDER_COLUMNS} WHERE o.tenant_id = %(t)s
        ORDER BY o.placed_at DESC, o.id DESC LIMIT 201""",
}


# What a paged list's total counts (the service answers a page *and* its total, see
# hub/db/paging.total_of): the baseline does the same in SQL, a count bounded at
# EXACT_UP_TO + 1 rows and, past it, the planner's estimate. The deep page's total is
# the whole list's, as in the service.
_ORDERS = "FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.tenant_id = %(t)s"
TOTALS: dict[str, str] = {
    "orders first page": _ORDERS,
    "orders deep page (cursor)": _ORDERS,
    "orders one day": _ORDERS + " AND o.placed_at >= %(day_from)s AND o.placed_at < %(day_to)s",
    "orders status=on_hold": _ORDERS + " AND o.status = 'on_hold'",
    "orders channel=amazon": _ORDERS + " AND c.name = 'amazon'",
    "held orders": _ORDERS + " AND o.status IN ('on_hold', 'pending_review')",
    "stock first page": """FROM stock_levels l JOIN skus s ON s.id = l.sku_id
        JOIN warehouses w ON w.id = l.warehouse_id WHERE l.tenant_id = %(t)s""",
    "errors first page": "FROM sync_errors WHERE tenant_id = %(t)s AND resolved_at IS NULL",
    "audit first page": "FROM audit_entries WHERE tenant_id = %(t)s",
    "audit action=stock.scrap": """FROM audit_entries WHERE tenant_id = %(t)s
        AND action = 'stock.scrap'""",
}


Timing = tuple[float, float, float, float]  # service, sql, api, rows-only sql (seconds)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # paged | window | page
    api: str
    service: Callable[[Any], object]


def _cases(shop: Shop, deep_cursor: str, day: datetime) -> list[Case]:
    t = shop.tenant_id

    def orders(where: OrderFilter, cursor: str | None = None) -> Callable[[Any], object]:
        def run(session: Any) -> object:
            found = order_views.page_orders(session, t, where, PAGE, 0, cursor)
            return found.items, order_views.count_orders(session, t, where)

        return run

    def report(name: str) -> Callable[[Any], object]:
        return lambda session: reports.run_report(session, t, name, DAYS, NOW)

    def rows(build: Callable[[], Any], key: Any) -> Callable[[Any], object]:
        def run(session: Any) -> object:
            query = build()
            page = keyset_page(session, query, key, descending=False, limit=PAGE)
            return page.items, total_of(session, query)

        return run

    from hub.db import operator_rows, stock_rows
    from hub.db.paging import keyset_page, total_of

    def audit(action: str | None) -> Callable[[Any], object]:
        def run(session: Any) -> object:
            query = operator_rows.audit_rows(t, action, None)
            page = keyset_page(session, query, operator_rows.AUDIT_KEY, descending=True, limit=50)
            return page.items, total_of(session, query)

        return run

    day_to = (day + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    day_from = day.isoformat().replace("+00:00", "Z")
    from hub.domain.orders import OrderStatus as S

    cases = [
        Case("orders first page", "paged", "/api/v1/orders", orders(OrderFilter())),
        Case(
            "orders deep page (cursor)",
            "paged",
            f"/api/v1/orders?cursor={deep_cursor}",
            orders(OrderFilter(), deep_cursor),
        ),
        Case(
            "orders one day",
            "paged",
            f"/api/v1/orders?placed_from={day_from}&placed_to={day_to}",
            orders(OrderFilter(placed_from=day, placed_to=day + timedelta(days=1))),
        ),
        Case(
            "orders status=on_hold",
            "paged",
            "/api/v1/orders?status=on_hold",
            orders(OrderFilter(status=S.ON_HOLD)),
        ),
        Case(
            "orders channel=amazon",
            "paged",
            "/api/v1/orders?channel=amazon",
            orders(OrderFilter(channel="amazon")),
        ),
        Case(
            "held orders",
            "paged",
            "/api/v1/held-orders",
            orders(OrderFilter(statuses=(S.ON_HOLD, S.PENDING_REVIEW))),
        ),
        Case(
            "stock first page",
            "paged",
            "/api/v1/stock",
            rows(lambda: stock_rows.balances(t), stock_rows.BALANCE_KEY),
        ),
        Case(
            "errors first page",
            "paged",
            "/api/v1/errors",
            rows(lambda: operator_rows.error_rows(t, False), operator_rows.ERROR_KEY),
        ),
        Case("audit first page", "paged", "/api/v1/audit", audit(None)),
        Case(
            "audit action=stock.scrap",
            "paged",
            "/api/v1/audit?action=stock.scrap",
            audit("stock.scrap"),
        ),
    ]
    for name in reports.REPORTS:
        cases.append(
            Case(f"report {name}", "window", f"/api/v1/reports/{name}?days={DAYS}", report(name))
        )
    cases.append(Case("overview", "page", "/dashboard/", lambda s: overview(s, t, NOW)))
    cases.append(
        Case(
            "dashboard orders",
            "page",
            "/dashboard/orders",
            lambda s: order_views.list_orders(s, t, OrderFilter(), 200, 0),
        )
    )
    return cases


def _median(run: Callable[[], object], repeat: int) -> float:
    run()  # warm: plans and caches, as on a live server
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(hub: Hub, url: str, shop: Shop, repeat: int) -> dict[str, Timing]:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app
    from hub.db.paging import encode_cursor

    with psycopg.connect(url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT placed_at, id FROM orders WHERE tenant_id = %s
               ORDER BY placed_at DESC, id DESC OFFSET 5000 LIMIT 1""",
            (shop.tenant_id,),
        )
        deep = cur.fetchone()
    assert deep is not None
    deep_cursor = encode_cursor([deep[0], deep[1]])
    day = (NOW - timedelta(days=3)).replace(hour=0, minute=0, second=0)
    params = {
        "t": shop.tenant_id,
        "since": NOW - timedelta(days=DAYS),
        "deep_at": deep[0],
        "deep_id": deep[1],
        "day_from": day,
        "day_to": day + timedelta(days=1),
        "day_ago": NOW - timedelta(days=1),
    }
    client = TestClient(create_app(hub))
    client.cookies.set("hub_token", shop.token)
    headers = {"Authorization": f"Bearer {shop.token}"}
    results: dict[str, Timing] = {}
    with psycopg.connect(url.replace("+psycopg", "")) as raw:
        # The reports run with JIT off (hub/services/reports.py): so does their baseline.
        raw.execute("SET jit = off")

        def sql(text: str, total: str | None = None) -> Callable[[], object]:
            def run() -> object:
                with raw.cursor() as cur:
                    out = []
                    for statement in text.split(";"):
                        if statement.strip():
                            cur.execute(statement, params)  # type: ignore[arg-type]
                            out.append(cur.fetchall())
                    if total is not None:
                        bounded = (
                            f"SELECT count(*) FROM (SELECT 1 {total} LIMIT {EXACT_UP_TO + 1}) s"
                        )
                        cur.execute(bounded, params)  # type: ignore[arg-type]
                        row = cur.fetchone()
                        if row is not None and row[0] > EXACT_UP_TO:
                            cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 {total}", params)  # type: ignore[arg-type]
                            out.append(cur.fetchall())
                raw.commit()
                return out

            return run

        for case in _cases(shop, deep_cursor, day):

            def service(case: Case = case) -> object:
                with hub.uow(shop.tenant_id) as uow:
                    return case.service(uow.session)

            def api(case: Case = case) -> object:
                response = client.get(case.api, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{case.api}: {response.status_code} {response.text}")
                return response

            results[case.name] = (
                _median(service, repeat),
                _median(sql(BASELINES[case.name], TOTALS.get(case.name)), repeat),
                _median(api, repeat),
                _median(sql(BASELINES[case.name]), repeat),
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    name = f"hub_scale_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    failures = 0
    by_size: dict[int, dict[str, Timing]] = {}
    try:
        upgrade(url)
        hub = Hub(Settings(database_url=url))
        shop = _setup(hub)
        have = 0
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            for size in sizes:
                took = grow(conn, shop, have, size)
                have = size
                holds = ledger_holds(conn, shop)
                failures += 0 if holds else 1
                print(f"# {size:>9,} orders generated in {took:.1f} s; ledger invariant {holds}")
                try:
                    by_size[size] = measure(hub, url, shop, args.repeat)
                except Exception as exc:  # a failing endpoint is a result, not a crash
                    print(f"# FAILED at {size}: {exc}")
                    failures += 1
                    continue
                print(
                    f"# {'endpoint':<28} {'service ms':>11} {'sql ms':>9} {'api ms':>9} ratio"
                    f" {'rows-only sql ms':>17} ratio"
                )
                for endpoint, (svc, base, api, rows_only) in by_size[size].items():
                    print(
                        f"  {endpoint:<28} {svc * 1e3:>11.2f} {base * 1e3:>9.2f}"
                        f" {api * 1e3:>9.2f} {svc / base:5.1f}"
                        f" {rows_only * 1e3:>17.2f} {svc / rows_only:5.1f}"
                    )
                sys.stdout.flush()
    finally:
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    if len(by_size) < 2:
        print(
            f"flat_ratio_1m_vs_10k=nan worst_endpoint=none worst_ratio_vs_sql=nan "
            f"failures={failures + 1}"
        )
        return
    small, large = by_size[min(by_size)], by_size[max(by_size)]
    kinds = {c: k for c, k in _kinds().items()}
    flat = max((large[c][0] / small[c][0], c) for c in large if kinds.get(c) in ("paged", "window"))
    worst = max((large[c][0] / large[c][1], c) for c in large)
    print(
        f"# flattest check: worst {max(by_size):,}/{min(by_size):,} ratio {flat[0]:.2f} ({flat[1]})"
    )
    print(
        f"flat_ratio_1m_vs_10k={flat[0]:.2f} worst_endpoint={worst[1].replace(' ', '_')} "
        f"worst_ratio_vs_sql={worst[0]:.2f} failures={failures}"
    )


def _kinds() -> dict[str, str]:
    pages = ("report", "overview", "dashboard")
    kinds = {name: "paged" for name in BASELINES if not name.startswith(pages)}
    kinds |= {name: "window" for name in BASELINES if name.startswith("report")}
    return kinds | {"overview": "page", "dashboard orders": "page"}


if __name__ == "__main__":
    main()
