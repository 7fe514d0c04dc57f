"""Migrations build the whole schema from empty, and tear it down, on both databases."""

import uuid

import pytest
import sqlalchemy as sa

from hub.db.migrate import current_heads, downgrade, expected_heads, upgrade
from hub.db.tables import metadata
from tests.conftest import POSTGRES_ADMIN_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"hub_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_builds_every_table_scoped_by_tenant(empty_url: str) -> None:
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    tables = set(sa.inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    for name in tables - {"tenants", "alembic_version"}:
        columns = {c["name"] for c in sa.inspect(engine).get_columns(name)}
        assert "tenant_id" in columns, f"{name} is not scoped by tenant"
    assert current_heads(engine) == expected_heads(empty_url)
    engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    engine = sa.create_engine(empty_url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_url)
    assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    assert current_heads(engine) == expected_heads(empty_url)
    engine.dispose()
