"""Everything one allocation writes, sent as ONE statement on PostgreSQL.

Balances, ledger movements, reservations, backorders, the order status, the published
channel figures and their outbox events are collected in `Writes` and flushed together:
on PostgreSQL as a single statement of data-modifying CTEs over arrays (one round trip
while the locks are held); on SQLite, whose writers are serialized anyway, as plain
statements in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hub.db import tables_allocation as ta
from hub.db.allocation_store import AllocationStore, OrderRow, ReservationRow
from hub.db.outbox import Outbox, OutboxEvent
from hub.domain.inventory import Movement, StockLevel

STOCK_CHANGED = "stock.changed"


@dataclass
class Writes:
    levels: dict[int, StockLevel] = field(default_factory=dict)  # id -> balance after
    before: dict[int, int] = field(default_factory=dict)  # id -> available before
    movements: list[Movement] = field(default_factory=list)
    new_reservations: list[ReservationRow] = field(default_factory=list)
    resized: dict[int, int] = field(default_factory=dict)  # reservation id -> quantity
    backorders: dict[int, tuple[int, int]] = field(default_factory=dict)  # line -> (sku, qty)
    orders: dict[int, OrderRow] = field(default_factory=dict)
    figures: dict[tuple[int, int], int] = field(default_factory=dict)  # (channel, sku) -> ATS
    events: list[OutboxEvent] = field(default_factory=list)  # e.g. stock.low

    def flush(self, session: Session, tenant_id: int) -> None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(_PG_FLUSH), self._pg_params(tenant_id))
        else:
            self._flush_plain(session, tenant_id)

    def _pg_params(self, tenant_id: int) -> dict[str, Any]:
        m, res, lv = self.movements, self.new_reservations, list(self.levels.values())
        bo = sorted(self.backorders.items())
        o = list(self.orders.values())
        fig = sorted(self.figures.items())
        return {
            "tenant": tenant_id,
            "lv_id": [x.id for x in lv],
            "lv_oh": [x.on_hand for x in lv],
            "lv_rv": [x.reserved for x in lv],
            "mv_kind": [x.kind.value for x in m],
            "mv_wh": [x.warehouse_id for x in m],
            "mv_sku": [x.sku_id for x in m],
            "mv_lot": [x.lot_code for x in m],
            "mv_qty": [x.quantity for x in m],
            "mv_ohd": [x.on_hand_delta for x in m],
            "mv_rvd": [x.reserved_delta for x in m],
            "mv_ref": [x.reference for x in m],
            "mv_actor": [x.actor for x in m],
            "mv_reason": [x.reason for x in m],
            "ri_line": [x.line_id for x in res],
            "ri_wh": [x.warehouse_id for x in res],
            "ri_sku": [x.sku_id for x in res],
            "ri_lot": [x.lot_code for x in res],
            "ri_qty": [x.quantity for x in res],
            "ru_id": [k for k, q in self.resized.items() if q > 0],
            "ru_qty": [q for q in self.resized.values() if q > 0],
            "rd_id": [k for k, q in self.resized.items() if q == 0],
            "bo_del": [line for line, (_s, q) in bo if q == 0],
            "bo_line": [line for line, (_s, q) in bo if q > 0],
            "bo_sku": [s for _line, (s, q) in bo if q > 0],
            "bo_qty": [q for _line, (_s, q) in bo if q > 0],
            "o_id": [x.id for x in o],
            "o_status": [x.status.value for x in o],
            "o_reason": [x.status_reason for x in o],
            "vs_c": [c for (c, _s), _a in fig],
            "vs_s": [s for (_c, s), _a in fig],
            "vs_a": [a for _k, a in fig],
            "ev_topic": [e.topic for e in self.events],
            "ev_key": [e.key for e in self.events],
            "ev_payload": [_json(e.payload) for e in self.events],
        }

    def _flush_plain(self, session: Session, tenant_id: int) -> None:
        store = AllocationStore(session, tenant_id)
        store.save_levels(self.levels.values())
        store.add_movements(self.movements)
        for reservation_id, quantity in self.resized.items():
            store.resize_reservation(reservation_id, quantity)
        store.insert_reservations(self.new_reservations)
        for line, (sku, quantity) in self.backorders.items():
            had = session.execute(
                select(ta.backorders.c.id).where(ta.backorders.c.order_line_id == line)
            ).first()
            store.set_backorder(line, sku, quantity, had is not None)
        for order in self.orders.values():
            store.set_status(order)
        v = ta.channel_stock_versions
        events = list(self.events)
        for (channel, sku), available in sorted(self.figures.items()):
            row = session.execute(
                select(v.c.id, v.c.version, v.c.available).where(
                    v.c.channel_id == channel, v.c.sku_id == sku
                )
            ).first()
            if row is not None and row.available == available:
                continue
            version = 1 if row is None else row.version + 1
            if row is None:
                session.execute(
                    v.insert().values(
                        tenant_id=tenant_id,
                        channel_id=channel,
                        sku_id=sku,
                        version=1,
                        available=available,
                    )
                )
            else:
                session.execute(
                    update(v).where(v.c.id == row.id).values(version=version, available=available)
                )
            events.append(changed_event(channel, sku, available, version))
        Outbox(session, tenant_id).add_many(events)


def changed_event(channel: int, sku: int, available: int, version: int) -> OutboxEvent:
    payload = {"channel_id": channel, "sku_id": sku, "available": available, "version": version}
    return OutboxEvent(STOCK_CHANGED, f"channel:{channel}/sku:{sku}", payload, version=version)


def _json(payload: dict[str, Any]) -> str:
    import json

    return json.dumps(payload, sort_keys=True)


# Every array may be empty: unnest() then yields no rows and that part does nothing.
# No two parts touch the same row (PostgreSQL leaves that undefined inside one statement).
# The `id = ANY(...)` beside each join on unnest() lets the planner probe the primary key:
# it guesses 10 rows for unnest() and would otherwise hash-join a scan of the whole table.
_PG_FLUSH = """
WITH lv AS (
  UPDATE stock_levels s SET on_hand = v.on_hand, reserved = v.reserved
  FROM unnest(CAST(:lv_id AS bigint[]), CAST(:lv_oh AS int[]), CAST(:lv_rv AS int[]))
       AS v(id, on_hand, reserved)
  WHERE s.id = v.id AND s.id = ANY(CAST(:lv_id AS bigint[])) RETURNING 1
), mv AS (
  INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id, lot_code, quantity,
      on_hand_delta, reserved_delta, reference, actor, reason, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:mv_kind AS text[]), CAST(:mv_wh AS bigint[]),
      CAST(:mv_sku AS bigint[]), CAST(:mv_lot AS text[]), CAST(:mv_qty AS int[]),
      CAST(:mv_ohd AS int[]), CAST(:mv_rvd AS int[]), CAST(:mv_ref AS text[]),
      CAST(:mv_actor AS text[]), CAST(:mv_reason AS text[])) AS v
  RETURNING 1
), ri AS (
  INSERT INTO reservations (tenant_id, order_line_id, warehouse_id, sku_id, lot_code,
      quantity, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:ri_line AS bigint[]), CAST(:ri_wh AS bigint[]),
      CAST(:ri_sku AS bigint[]), CAST(:ri_lot AS text[]), CAST(:ri_qty AS int[])) AS v
  RETURNING 1
), ru AS (
  UPDATE reservations r SET quantity = v.q
  FROM unnest(CAST(:ru_id AS bigint[]), CAST(:ru_qty AS int[])) AS v(id, q)
  WHERE r.id = v.id AND r.id = ANY(CAST(:ru_id AS bigint[])) RETURNING 1
), rd AS (
  DELETE FROM reservations WHERE id = ANY(CAST(:rd_id AS bigint[])) RETURNING 1
), bd AS (
  DELETE FROM backorders WHERE order_line_id = ANY(CAST(:bo_del AS bigint[])) RETURNING 1
), bu AS (
  INSERT INTO backorders (tenant_id, order_line_id, sku_id, quantity, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:bo_line AS bigint[]), CAST(:bo_sku AS bigint[]),
      CAST(:bo_qty AS int[])) AS v
  ON CONFLICT (order_line_id) DO UPDATE SET quantity = excluded.quantity
  RETURNING 1
), os AS (
  UPDATE orders o SET status = v.st, status_reason = v.rs
  FROM unnest(CAST(:o_id AS bigint[]), CAST(:o_status AS text[]), CAST(:o_reason AS text[]))
       AS v(id, st, rs)
  WHERE o.id = v.id AND o.id = ANY(CAST(:o_id AS bigint[])) RETURNING 1
), vs AS (
  INSERT INTO channel_stock_versions (tenant_id, channel_id, sku_id, version, available)
  SELECT CAST(:tenant AS bigint), v.c, v.s, 1, v.a
  FROM unnest(CAST(:vs_c AS bigint[]), CAST(:vs_s AS bigint[]),
      CAST(:vs_a AS int[])) AS v(c, s, a)
  ON CONFLICT (channel_id, sku_id) DO UPDATE
    SET version = channel_stock_versions.version + 1, available = excluded.available
    WHERE channel_stock_versions.available IS DISTINCT FROM excluded.available
  RETURNING channel_id, sku_id, version, available
), ob AS (
  INSERT INTO outbox_events (tenant_id, topic, key, payload, version, created_at, attempts)
  SELECT CAST(:tenant AS bigint), 'stock.changed', 'channel:' || channel_id || '/sku:' || sku_id,
      json_build_object('available', available, 'channel_id', channel_id, 'sku_id', sku_id,
                        'version', version), version, now(), 0
  FROM vs
  UNION ALL
  SELECT CAST(:tenant AS bigint), v.topic, v.key, CAST(v.payload AS json), 1, now(), 0
  FROM unnest(CAST(:ev_topic AS text[]), CAST(:ev_key AS text[]), CAST(:ev_payload AS text[]))
       AS v(topic, key, payload)
  RETURNING 1
)
SELECT (SELECT count(*) FROM lv), (SELECT count(*) FROM mv), (SELECT count(*) FROM ob)
"""
