"""Keyset (cursor) paging and totals that do not rescan a table.

A list is ordered by a unique key (its sort columns ending in the id); the cursor is the
key of the last row served, and the next page is `WHERE key < cursor` (or `>`), which an
index in that order answers by reading one page of entries whatever the depth, where
OFFSET reads and throws away every row before it. The cursor is opaque to clients
(url-safe base64 of a JSON list).

Totals: an exact COUNT of a big filtered set reads every row of it. `total_of` counts at
most `EXACT_UP_TO + 1` rows; past that, PostgreSQL's planner estimate for the same query
(EXPLAIN) is returned and marked as an estimate. SQLite has no estimate: there it is an
exact COUNT (the embedded default is for small shops).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, event, func, literal_column, or_, select
from sqlalchemy.orm import Session

from hub.domain.errors import InvalidValue

__all__ = [
    "EXACT_UP_TO",
    "Key",
    "Slice",
    "Total",
    "after_key",
    "decode_cursor",
    "encode_cursor",
    "keyset_page",
    "total_of",
]

EXACT_UP_TO = 1_000


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key values of a cursor, each parsed as its column's kind; a cursor that is not
    one of ours is refused as bad input (never a 500)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError("wrong length")
        values: list[Any] = []
        for kind, value in zip(kinds, raw, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError("naive time")
                values.append(moment)
            elif kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("not an integer")
                values.append(value)
            else:
                if not isinstance(value, str):
                    raise ValueError("not a text")
                values.append(value)
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidValue(
            "cursor", cursor[:80], "is not a cursor this list gave out", "page"
        ) from None


def after_key(
    columns: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `columns` (all one direction), spelled
    as nested OR/AND so both databases compare with each column's own type."""
    first, *rest = columns
    head, *tail = values
    beyond: ColumnElement[bool] = first < head if descending else first > head
    if not rest:
        return beyond
    return or_(beyond, and_(first == head, after_key(rest, tail, descending)))


@dataclass(frozen=True)
class Key:
    """One sort column of a list: the expression, its label in the rows, its kind."""

    column: ColumnElement[Any]
    label: str
    kind: type


@dataclass(frozen=True)
class Slice:
    items: list[dict[str, Any]]
    next_cursor: str | None  # None: this was the last page


def keyset_page(
    session: Session,
    query: Select[Any],
    keys: Sequence[Key],
    *,
    descending: bool,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> Slice:
    """One page of `query` in the order of `keys` (the last one unique, e.g. the id),
    after `cursor` if given; one row more than asked tells whether another page follows."""
    columns = [k.column for k in keys]
    if cursor:
        values = decode_cursor(cursor, [k.kind for k in keys])
        query = query.where(after_key(columns, values, descending))
    query = query.order_by(*(c.desc() if descending else c.asc() for c in columns))
    query = query.limit(_literal(limit + 1))
    if offset:
        query = query.offset(_literal(offset))
    rows = [dict(r) for r in session.execute(query).mappings()]
    if len(rows) <= limit:
        return Slice(rows, None)
    rows = rows[:limit]
    return Slice(rows, encode_cursor([rows[-1][k.label] for k in keys]))


@dataclass(frozen=True)
class Total:
    value: int
    estimate: bool  # True: the planner's estimate of a set larger than EXACT_UP_TO


def total_of(session: Session, query: Select[Any], exact_up_to: int = EXACT_UP_TO) -> Total:
    """The number of rows `query` returns: exact up to `exact_up_to`, estimated above it
    on PostgreSQL, exact on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return Total(int(session.execute(counted).scalar_one()), False)
    bounded = query.order_by(None).limit(_literal(exact_up_to + 1)).subquery()
    seen = int(session.execute(select(func.count()).select_from(bounded)).scalar_one())
    if seen <= exact_up_to:
        return Total(seen, False)
    estimated = _planner_rows(session, query.order_by(None))
    return Total(max(estimated, seen), True)


def _literal(n: int) -> Any:
    """A LIMIT or OFFSET written into the SQL (always our own int): as a parameter,
    PostgreSQL's generic plan for a prepared statement does not know the page is small
    (bench/scale.py: 1.8 ms against 1.0 ms for a first page of orders)."""
    return literal_column(str(int(n)))


def _planner_rows(session: Session, query: Select[Any]) -> int:
    """PostgreSQL's estimate of the rows `query` returns: the statement runs as EXPLAIN
    through SQLAlchemy's own compile and parameter binding (types, enums, expanding IN),
    the driver's cursor is read before the result is thrown away."""
    connection = session.connection()
    plan: list[Any] = []

    def explain(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        return f"EXPLAIN (FORMAT JSON) {statement}", params

    def read(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        found = cursor.fetchone()[0]
        plan.append(json.loads(found) if isinstance(found, str) else found)

    event.listen(connection, "before_cursor_execute", explain, retval=True)
    event.listen(connection, "after_cursor_execute", read)
    try:
        connection.execute(query).close()
    finally:
        event.remove(connection, "before_cursor_execute", explain)
        event.remove(connection, "after_cursor_execute", read)
    return int(plan[0][0]["Plan"]["Plan Rows"])
