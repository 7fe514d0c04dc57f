"""The composition root: the one place that builds engines, sessions and units of work."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.config import Settings, load_settings
from hub.db.engine import make_engine, make_session_factory
from hub.db.unit_of_work import UnitOfWork


@dataclass
class Hub:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(
            self.settings.database_url, lock_timeout_ms=self.settings.lock_timeout_ms
        )

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def uow(self, tenant_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, tenant_id)

    def tenant_id(self, slug: str) -> int:
        with self.uow() as uow:
            tenant = uow.tenants.by_slug(slug)
            assert tenant.id is not None
            return tenant.id

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> Hub:
    return Hub(settings or load_settings())
