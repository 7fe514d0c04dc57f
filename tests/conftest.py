"""Shared fixtures. Integration tests run once on SQLite and once on a real PostgreSQL
database created fresh for this test run (dropped at the end)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog

POSTGRES_ADMIN_URL = os.environ.get(
    "HUB_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A brand-new PostgreSQL database for this run. Unreachable PostgreSQL is a failure,
    not a skip: the invariants must be proven on the production database."""
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.db'}"


@dataclass
class Database:
    """A migrated database of one backend and a way to open units of work on it."""

    backend: str
    url: str
    engine: sa.Engine
    session_factory: sessionmaker[Session]

    def uow(self, tenant_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, tenant_id)


_migrated: dict[str, Database] = {}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    backend = request.param
    if backend not in _migrated:
        url = request.getfixturevalue(f"{backend}_url")
        upgrade(url)
        engine = make_engine(url)
        _migrated[backend] = Database(backend, url, engine, make_session_factory(engine))
    return _migrated[backend]


@pytest.fixture
def tenant(db: Database) -> Callable[[], UnitOfWork]:
    """A fresh tenant per test: tests never see each other's rows (tenant scoping)."""
    created = catalog.create_tenant(db.uow(), f"t-{uuid.uuid4().hex[:12]}", "Test tenant")
    assert created.id is not None
    tenant_id = created.id
    return lambda: db.uow(tenant_id)
