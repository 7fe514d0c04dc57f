"""The FastAPI app factory. Routers get what they need from `app.state` through the
dependency aliases in hub.api.deps; add REST or dashboard routers with include_router."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api import webhooks
from hub.bootstrap import Hub
from hub.services.sync_context import Dispatcher, SyncContext

__all__ = ["create_app"]


def create_app(
    hub: Hub,
    *,
    sync: SyncContext | None = None,
    dispatcher: Dispatcher | None = None,
) -> FastAPI:
    """``sync`` and ``dispatcher`` default to the deployment's: connectors from the
    connections table and the Celery queue."""
    if sync is None:
        from hub.sync_runtime import build_context

        sync = build_context(hub.settings)
    if dispatcher is None:
        from hub.tasks import CeleryDispatcher

        dispatcher = CeleryDispatcher()
    app = FastAPI(title="hub", version="0.1.0")
    app.state.hub = hub
    app.state.sync = sync
    app.state.dispatcher = dispatcher
    app.include_router(webhooks.router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
