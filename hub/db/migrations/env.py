"""Alembic environment. The URL comes from the caller (hub.db.migrate) or HUB_DATABASE_URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import String

from hub.db.engine import make_engine
from hub.db.tables import metadata
from hub.db.types import EnumText

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> Any:
    # Enums are plain VARCHARs in the schema; the Python side owns the allowed values.
    if type_ == "type" and isinstance(obj, EnumText):
        return repr(String(32)).replace("String", "sa.String")
    return False


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            from hub.config import load_settings

            url = load_settings().database_url
        engine = make_engine(url)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        user_module_prefix="hub.db.types.",
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    # SQLite connections here are in autocommit-off manual mode (BEGIN IMMEDIATE).
    if connection.in_transaction():
        connection.commit()


run_migrations_online()
