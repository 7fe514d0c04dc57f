"""Everything one allocation writes, sent as ONE statement on PostgreSQL.

Balances, ledger movements, reservations, backorders, the order status, the published
channel figures and their outbox events are collected in `Writes` and flushed together:
on PostgreSQL as a single statement of data-modifying CTEs over arrays (one round trip
while the locks are held); on SQLite, whose writers are serialized anyway, as plain
statements in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
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
            params = self.pg_params(tenant_id)
            session.execute(text(pg_flush_sql(params)), params)
        else:
            self._flush_plain(session, tenant_id)

    def pg_params(self, tenant_id: int) -> dict[str, Any]:
        """Arrays as PostgreSQL array literals: the driver adapts a list of 35 lists
        element by element, which profiled as the largest client-side cost of an
        allocation; a literal is one string, cast by the statement."""
        m, res, lv = self.movements, self.new_reservations, list(self.levels.values())
        bo = sorted(self.backorders.items())
        o = list(self.orders.values())
        fig = sorted(self.figures.items())
        return {
            "tenant": tenant_id,
            "lv_id": int_array(x.id for x in lv),
            "lv_oh": int_array(x.on_hand for x in lv),
            "lv_rv": int_array(x.reserved for x in lv),
            "mv_kind": text_array(x.kind.value for x in m),
            "mv_wh": int_array(x.warehouse_id for x in m),
            "mv_sku": int_array(x.sku_id for x in m),
            "mv_lot": text_array(x.lot_code for x in m),
            "mv_qty": int_array(x.quantity for x in m),
            "mv_ohd": int_array(x.on_hand_delta for x in m),
            "mv_rvd": int_array(x.reserved_delta for x in m),
            "mv_ref": text_array(x.reference for x in m),
            "mv_actor": text_array(x.actor for x in m),
            "mv_reason": text_array(x.reason for x in m),
            "ri_line": int_array(x.line_id for x in res),
            "ri_wh": int_array(x.warehouse_id for x in res),
            "ri_sku": int_array(x.sku_id for x in res),
            "ri_lot": text_array(x.lot_code for x in res),
            "ri_qty": int_array(x.quantity for x in res),
            "ru_id": int_array(k for k, q in self.resized.items() if q > 0),
            "ru_qty": int_array(q for q in self.resized.values() if q > 0),
            "rd_id": int_array(k for k, q in self.resized.items() if q == 0),
            "bo_del": int_array(line for line, (_s, q) in bo if q == 0),
            "bo_line": int_array(line for line, (_s, q) in bo if q > 0),
            "bo_sku": int_array(s for _line, (s, q) in bo if q > 0),
            "bo_qty": int_array(q for _line, (_s, q) in bo if q > 0),
            "o_id": int_array(x.id for x in o),
            "o_status": text_array(x.status.value for x in o),
            "o_reason": text_array(x.status_reason for x in o),
            "vs_c": int_array(c for (c, _s), _a in fig),
            "vs_s": int_array(s for (_c, s), _a in fig),
            "vs_a": int_array(a for _k, a in fig),
            "ev_topic": text_array(e.topic for e in self.events),
            "ev_key": text_array(e.key for e in self.events),
            "ev_payload": text_array(_json(e.payload) for e in self.events),
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


def int_array(values: Iterable[int | None]) -> str:
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def text_array(values: Iterable[str | None]) -> str:
    return "{" + ",".join("NULL" if v is None else _quoted(v) for v in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _json(payload: dict[str, Any]) -> str:
    import json

    return json.dumps(payload, sort_keys=True)


# One CTE per kind of write; a statement is made of the parts that have rows (see
# `pg_flush_sql`), so a plain reservation does not pay for the scans and index opens
# of resizes, deletions and backorders it does not have.
# No two parts touch the same row (PostgreSQL leaves that undefined inside one statement).
# The `id = ANY(...)` beside each join on unnest() lets the planner probe the primary key:
# it guesses 10 rows for unnest() and would otherwise hash-join a scan of the whole table.
_PG_PARTS: dict[str, tuple[str, str]] = {  # name -> (the array that says it has rows, SQL)
    "lv": (
        "lv_id",
        """UPDATE stock_levels s SET on_hand = v.on_hand, reserved = v.reserved
  FROM unnest(CAST(:lv_id AS bigint[]), CAST(:lv_oh AS int[]), CAST(:lv_rv AS int[]))
       AS v(id, on_hand, reserved)
  WHERE s.id = v.id AND s.id = ANY(CAST(:lv_id AS bigint[]))""",
    ),
    "mv": (
        "mv_kind",
        """INSERT INTO stock_movements (tenant_id, kind, warehouse_id, sku_id, lot_code,
      quantity, on_hand_delta, reserved_delta, reference, actor, reason, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:mv_kind AS text[]), CAST(:mv_wh AS bigint[]),
      CAST(:mv_sku AS bigint[]), CAST(:mv_lot AS text[]), CAST(:mv_qty AS int[]),
      CAST(:mv_ohd AS int[]), CAST(:mv_rvd AS int[]), CAST(:mv_ref AS text[]),
      CAST(:mv_actor AS text[]), CAST(:mv_reason AS text[])) AS v""",
    ),
    "ri": (
        "ri_line",
        """INSERT INTO reservations (tenant_id, order_line_id, warehouse_id, sku_id, lot_code,
      quantity, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:ri_line AS bigint[]), CAST(:ri_wh AS bigint[]),
      CAST(:ri_sku AS bigint[]), CAST(:ri_lot AS text[]), CAST(:ri_qty AS int[])) AS v""",
    ),
    "ru": (
        "ru_id",
        """UPDATE reservations r SET quantity = v.q
  FROM unnest(CAST(:ru_id AS bigint[]), CAST(:ru_qty AS int[])) AS v(id, q)
  WHERE r.id = v.id AND r.id = ANY(CAST(:ru_id AS bigint[]))""",
    ),
    "rd": ("rd_id", "DELETE FROM reservations WHERE id = ANY(CAST(:rd_id AS bigint[]))"),
    "bd": ("bo_del", "DELETE FROM backorders WHERE order_line_id = ANY(CAST(:bo_del AS bigint[]))"),
    "bu": (
        "bo_line",
        """INSERT INTO backorders (tenant_id, order_line_id, sku_id, quantity, created_at)
  SELECT CAST(:tenant AS bigint), v.*, now()
  FROM unnest(CAST(:bo_line AS bigint[]), CAST(:bo_sku AS bigint[]),
      CAST(:bo_qty AS int[])) AS v
  ON CONFLICT (order_line_id) DO UPDATE SET quantity = excluded.quantity""",
    ),
    "os": (
        "o_id",
        """UPDATE orders o SET status = v.st, status_reason = v.rs
  FROM unnest(CAST(:o_id AS bigint[]), CAST(:o_status AS text[]), CAST(:o_reason AS text[]))
       AS v(id, st, rs)
  WHERE o.id = v.id AND o.id = ANY(CAST(:o_id AS bigint[]))""",
    ),
    "vs": (
        "vs_c",
        """INSERT INTO channel_stock_versions (tenant_id, channel_id, sku_id, version, available)
  SELECT CAST(:tenant AS bigint), v.c, v.s, 1, v.a
  FROM unnest(CAST(:vs_c AS bigint[]), CAST(:vs_s AS bigint[]),
      CAST(:vs_a AS int[])) AS v(c, s, a)
  ON CONFLICT (channel_id, sku_id) DO UPDATE
    SET version = channel_stock_versions.version + 1, available = excluded.available
    WHERE channel_stock_versions.available IS DISTINCT FROM excluded.available
  RETURNING channel_id, sku_id, version, available""",
    ),
}
_OUTBOX = """INSERT INTO outbox_events (tenant_id, topic, key, payload, version, created_at,
      attempts)
  """
_CHANGED = """SELECT CAST(:tenant AS bigint), 'stock.changed',
      'channel:' || channel_id || '/sku:' || sku_id,
      json_build_object('available', available, 'channel_id', channel_id, 'sku_id', sku_id,
                        'version', version), version, now(), 0
  FROM vs"""
_OTHER_EVENTS = """SELECT CAST(:tenant AS bigint), v.topic, v.key, CAST(v.payload AS json), 1,
      now(), 0
  FROM unnest(CAST(:ev_topic AS text[]), CAST(:ev_key AS text[]),
      CAST(:ev_payload AS text[])) AS v(topic, key, payload)"""


def pg_flush_sql(params: dict[str, Any]) -> str:
    """The flush statement for these parameters (`Writes.pg_params`), :name style."""
    return _flush_sql(
        tuple(name for name, (key, _sql) in _PG_PARTS.items() if params[key] != "{}"),
        params["ev_topic"] != "{}",
    )


@cache
def _flush_sql(parts: tuple[str, ...], other_events: bool) -> str:
    ctes = [f"{name} AS (\n  {_PG_PARTS[name][1]}\n)" for name in parts]
    # stock.changed events first, as when they were one UNION ALL
    sources = ([_CHANGED] if "vs" in parts else []) + ([_OTHER_EVENTS] if other_events else [])
    if sources:
        ctes.append("ob AS (\n  " + _OUTBOX + "\n  UNION ALL\n  ".join(sources) + "\n)")
    return "WITH " + ",\n".join(ctes) + "\nSELECT 1"
