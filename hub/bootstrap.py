"""The composition root: the one place that builds the engine, sessions and units of work,
the secret box, the rate budgets and the sync context, for the API, the worker and the
CLI alike. ``the_hub()`` is the process's one Hub, built lazily on first use.

Connectors, rate budgets and the connection service are imported when first used: every
CLI command builds a Hub, and most never open a connector (bench/cli_startup.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.config import Environment, Settings, load_settings
from hub.db.engine import make_engine, make_session_factory
from hub.db.unit_of_work import UnitOfWork, forbid_nesting

if TYPE_CHECKING:
    from connectors.registry import Registry
    from connectors.toolkit.ratelimit import RateBudgets
    from hub.crypto import SecretBox
    from hub.services.sync_context import SyncContext


@dataclass
class Hub:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(
            self.settings.database_url,
            lock_timeout_ms=self.settings.lock_timeout_ms,
            pool_size=self.settings.db_pool_size,
            max_overflow=self.settings.db_max_overflow,
            pool_timeout=self.settings.db_pool_timeout_s,
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

    @cached_property
    def secret_box(self) -> SecretBox:
        from hub.crypto import SecretBox

        return SecretBox.from_settings(self.settings)

    @cached_property
    def connectors(self) -> Registry:
        from connectors.registry import default_registry

        return default_registry

    @cached_property
    def rate_budgets(self) -> RateBudgets:
        from connectors.toolkit.ratelimit import LocalRateBudgets, RedisRateBudgets

        # Redis when configured: every worker process shares one budget per connection.
        if self.settings.redis_url:
            import redis  # only with a shared budget: every CLI command imports this module

            return RedisRateBudgets(redis.Redis.from_url(self.settings.redis_url))
        return LocalRateBudgets()

    @cached_property
    def sync(self) -> SyncContext:
        """The sync engine's context (connections, secrets, budgets, settings.sync)."""
        from hub.sync_runtime import build_context  # it builds on this Hub

        return build_context(hub=self)

    def open_connector(self, tenant_id: int, connection_id: int) -> Any:
        from hub.services import connections

        return connections.open_connector(
            lambda: self.uow(tenant_id),
            self.secret_box,
            self.connectors,
            self.rate_budgets,
            connection_id,
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> Hub:
    settings = settings or load_settings()
    # A nested unit of work is a bug (it deadlocks SQLite): loud outside production.
    forbid_nesting(settings.environment is not Environment.PRODUCTION)
    return Hub(settings)


_the_hub: Hub | None = None


def the_hub() -> Hub:
    """The process's Hub (API, worker or CLI), built from the settings on first use."""
    global _the_hub
    if _the_hub is None:
        _the_hub = bootstrap()
    return _the_hub


def use_hub(hub: Hub | None) -> None:
    """Make ``hub`` the process's Hub (tests, or a process that built its own); None
    forgets it, and the next ``the_hub()`` builds a fresh one."""
    global _the_hub
    _the_hub = hub
