"""Engines for the two supported databases, configured for safe concurrent writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hub.db.orm import start_mappers


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str,
    *,
    lock_timeout_ms: int = 5000,
    echo: bool = False,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
) -> Engine:
    """SQLite gets WAL, foreign keys and BEGIN IMMEDIATE (writers serialize instead of
    failing late with 'database is locked'); PostgreSQL gets a lock_timeout so a stuck
    lock turns into a retriable error instead of a hung worker, and a bounded pool: a
    request holds one connection at a time (no unit of work opens another), so
    ``pool_size + max_overflow`` connections serve that many concurrent requests."""
    if is_sqlite(url):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _serialize_sqlite_writers(engine)
        return engine
    connect_args: dict[str, Any] = {"options": f"-c lock_timeout={lock_timeout_ms}"}
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )


def _serialize_sqlite_writers(engine: Engine) -> None:
    # The pysqlite driver's own transaction handling defers BEGIN; take control of it
    # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    start_mappers()
    return sessionmaker(bind=engine, expire_on_commit=False)
