"""New orders written with Core INSERTs, one statement per table for a whole batch.

The ORM's unit of work pays for change tracking, dependency sorting and a RETURNING of
every child's key; a batch of orders nobody has seen yet needs none of that. The rows
are read from the same imperative mapping the ORM flush uses (hub.db.orm), so a column
added to a table is written here too, and Money composites land in their (amount,
currency) columns exactly as a flush would put them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql.elements import NamedColumn

from hub.domain.orders import Order

__all__ = ["insert_orders"]

# Order attribute holding each child collection (all keyed to the order by order_id).
_CHILDREN = (
    "lines", "shipping_lines", "tax_lines", "discounts", "fee_lines", "marketplace_fees",
    "payments", "refunds",
)  # fmt: skip


_Columns = tuple[tuple[str, NamedColumn[Any]], ...]
_columns_of: dict[type, _Columns] = {}


def _columns(cls: type) -> _Columns:
    """(attribute key, column) of every mapped column but the generated primary key."""
    if cls not in _columns_of:
        mapper: Mapper[Any] = inspect(cls)
        _columns_of[cls] = tuple(
            (prop.key, prop.columns[0])
            for prop in mapper.column_attrs
            if not prop.columns[0].primary_key
        )
    return _columns_of[cls]


def _default(column: NamedColumn[Any]) -> Any:
    default = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    return default.arg(None) if default.is_callable else default.arg


def _row(obj: Any, columns: _Columns) -> dict[str, Any]:
    row = {}
    for key, column in columns:
        value = getattr(obj, key)
        # A flush leaves a None out so the column default fills it; same here.
        row[column.key] = _default(column) if value is None else value
    return row


def insert_orders(session: Session, orders: Sequence[Order]) -> None:
    """INSERT ``orders`` and all their children (inside the caller's transaction); sets
    each order's id. The orders must be new and already validated (add_order's checks)."""
    if not orders:
        return
    table = inspect(Order).local_table
    columns = _columns(Order)
    rows = [_row(order, columns) for order in orders]
    if session.get_bind().dialect.name == "postgresql":
        # Keys from the sequence, then a plain executemany (pipelined by psycopg): an
        # INSERT .. RETURNING of the batch is one giant multi-VALUES statement that costs
        # three times as much per row to build and parse.
        ids = list(
            session.execute(
                select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                    func.generate_series(1, len(rows))
                )
            ).scalars()
        )
        for row, order_id in zip(rows, ids, strict=True):
            row["id"] = order_id
        session.execute(insert(table), rows)
    else:
        ids = list(
            session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
    for order, order_id in zip(orders, ids, strict=True):
        order.id = order_id
    for name in _CHILDREN:
        children = [(order.id, child) for order in orders for child in getattr(order, name)]
        if not children:
            continue
        cls = type(children[0][1])
        child_columns = _columns(cls)
        rows = []
        for order_id, child in children:
            row = _row(child, child_columns)
            row["order_id"] = order_id
            rows.append(row)
        session.execute(insert(inspect(cls).local_table), rows)
