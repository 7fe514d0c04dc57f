"""The allocator's round trips on PostgreSQL, sent through the driver in two pipelines.

1. `read`: BEGIN, lock the order rows, read them, and lock every balance of the SKUs
   their lines name or hold reservations of, in ONE round trip. The statements still
   run one after the other, each with its own snapshot taken when the previous one has
   finished, so the read sees everything committed before the order locks were granted
   (see allocation_snapshot) and the lock order is unchanged: orders, then balances
   ORDER BY sku_id, warehouse_id, lot_code. Bundle lines need their components, which
   this cannot know before reading; the caller starts over with `read(skus=...)`
   after a plain read when a needed SKU was not locked.
2. `flush_and_commit`: the one statement of allocation_writes and COMMIT, one round trip.

Why not SQLAlchemy here: profiled on a 2-core machine, its statement execution and
result processing cost more CPU per allocation than all of PostgreSQL's work for it.
The statements are the same Core statements, compiled once, run by psycopg as prepared
statements; driver errors are re-raised as SQLAlchemy's DBAPIError so hub.db.retry
sees the SQLSTATE exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import BigInteger, any_, bindparam, func, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.allocation_snapshot import (
    OrderSnapshot,
    StockSnapshot,
    load_orders_statement,
    lock_orders_statement,
    lock_snapshot_statement,
    parse_orders,
    parse_snapshot,
)
from hub.db.allocation_writes import Writes, int_array, pg_flush_sql

_DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]


def _any(name: str) -> Any:
    return lambda column: column == any_(bindparam(name, type_=ARRAY(BigInteger)))


def _order_skus(column: Any) -> Any:
    """Balances of what the orders' lines name or hold (already locked order rows, so
    their lines and reservations cannot change under us). Each set is an array made
    first, so both tables are probed by index (reservations by line, balances by SKU):
    planned generically as joins, they were hashed scans of every reservation."""
    ol, r = t.order_lines.c, t.reservations.c
    ids = bindparam("ids", type_=ARRAY(BigInteger))
    lines = _array(select(ol.id).where(ol.order_id == any_(ids)))
    named = select(ol.sku_id).where(ol.order_id == any_(ids), ol.sku_id.is_not(None))
    held = select(r.sku_id).where(r.order_line_id == any_(lines))
    return column == any_(_array(union(named, held)))


def _array(query: Any) -> Any:
    return func.array(query.scalar_subquery(), type_=ARRAY(BigInteger))


def _sql(statement: Any) -> str:
    return str(statement.compile(dialect=_DIALECT))


@cache
def _driver_sql(sql: str) -> str:
    return _sql(text(sql))


_LOCK_ORDERS = _sql(lock_orders_statement(_any("ids")))
_LOAD_ORDERS = _sql(load_orders_statement(_any("ids")))
_LOCK_ORDER_SKUS = _sql(lock_snapshot_statement(_order_skus))
_LOCK_SKUS = _sql(lock_snapshot_statement(_any("skus")))
# With `= ANY($n)` PostgreSQL's custom plan always looks cheaper than the generic one,
# so it would plan the order reads on every execution (more server CPU than running
# them); the generic plans use the same primary-key and foreign-key indexes.
_GENERIC_PLANS = "SET LOCAL plan_cache_mode = force_generic_plan"


@contextmanager
def _as_dbapi_error(statement: str) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


class PgAllocation:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.conn: psycopg.Connection[Any] = session.connection().connection.driver_connection  # type: ignore[assignment]
        self.tenant_id = tenant_id

    @staticmethod
    def usable(session: Session) -> bool:
        return session.get_bind().dialect.name == "postgresql"

    def read(
        self, order_ids: Sequence[int], skus: set[int] | None = None
    ) -> tuple[dict[int, OrderSnapshot], StockSnapshot | None]:
        """Lock and read the orders, then lock their SKUs' balances (or `skus`'s)."""
        # array literals: cheaper to send than lists the driver adapts item by item
        params: dict[str, Any] = {"tenant": self.tenant_id, "ids": int_array(order_ids)}
        lock = _LOCK_ORDER_SKUS
        if skus is not None:
            params["skus"], lock = int_array(sorted(skus)), _LOCK_SKUS
        with _as_dbapi_error(_LOAD_ORDERS):
            with self.conn.pipeline():
                self.conn.execute(_GENERIC_PLANS, prepare=False)
                self.conn.execute(_LOCK_ORDERS, params)
                loaded = self.conn.cursor(row_factory=namedtuple_row)
                loaded.execute(_LOAD_ORDERS, params)
                locked = self.conn.cursor(row_factory=namedtuple_row)
                locked.execute(lock, params)
            orders, balances = loaded.fetchall(), locked.fetchall()
        return parse_orders(orders), parse_snapshot(balances)

    def flush_and_commit(self, writes: Writes) -> None:
        params = writes.pg_params(self.tenant_id)
        flush = _driver_sql(pg_flush_sql(params))
        with _as_dbapi_error(flush), self.conn.pipeline():
            self.conn.execute(flush, params)
            self.conn.execute("COMMIT")
