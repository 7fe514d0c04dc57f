"""The FastAPI app factory. Routers get what they need from `app.state` through the
dependency aliases in hub.api.deps and hub.api.v1.deps: webhooks, the REST API under
/api/v1 (OpenAPI at /docs), the dashboard under /dashboard, metrics at /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI, Response
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from hub.api import dashboard, webhooks
from hub.api.correlation import Correlate
from hub.api.input_guard import refuse_unstorable, refuse_unstorable_parameters
from hub.api.limits import BodyLimit
from hub.api.v1 import books, operations, orders, payouts, problems, purchasing, reports, stock
from hub.bootstrap import Hub
from hub.db.engine import is_sqlite
from hub.metrics import render
from hub.services.sync_context import Dispatcher, SyncContext

__all__ = ["MAX_BODY_BYTES", "create_app"]

DOCS_ASSETS = "/docs-assets"
MAX_BODY_BYTES = 1_000_000  # webhooks and API writes alike; bigger bodies get 413


def create_app(
    hub: Hub,
    *,
    sync: SyncContext | None = None,
    dispatcher: Dispatcher | None = None,
) -> FastAPI:
    """``sync`` and ``dispatcher`` default to the deployment's: connectors from the
    connections table and the Celery queue."""
    if sync is None:
        sync = hub.sync
    if dispatcher is None:
        from hub.tasks import CeleryDispatcher

        dispatcher = CeleryDispatcher(sync)  # signals through the API's own engine

    @asynccontextmanager
    async def bound_threads(_app: FastAPI) -> AsyncIterator[None]:
        # Handlers run in anyio's worker threads (40 by default) and each holds one pool
        # connection at a time: no more threads than connections, so a burst waits in
        # the limiter instead of timing out on the pool (docs/deploy.md).
        if not is_sqlite(hub.settings.database_url):
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = hub.settings.db_connections
        yield

    # /docs (Swagger UI) and /redoc load their scripts from the hub, never from a CDN:
    # the assets ship with fastapi-offline (MIT; Swagger UI Apache-2.0, ReDoc MIT).
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        lifespan=bound_threads,
        title="hub",
        version="0.1.0",
        description="Operator REST API: send `Authorization: Bearer <token>` "
        "(tokens from `hub token create --role ...`). Errors are RFC 9457 problem details.",
    )
    app.state.hub = hub
    app.state.sync = sync
    app.state.dispatcher = dispatcher
    problems.install(app)
    # What the database cannot store is refused at the edge, naming the field (never a
    # 500 from the database); a webhook's body is the platform's, judged per record.
    app.include_router(webhooks.router, dependencies=[Depends(refuse_unstorable_parameters)])
    guarded = [Depends(refuse_unstorable)]
    routers = (orders.router, stock.router, operations.router, reports.router, books.router)
    for router in (*routers, payouts.router):
        app.include_router(router, dependencies=guarded)
    app.include_router(purchasing.router, dependencies=guarded)
    app.include_router(dashboard.router, dependencies=guarded)
    dashboard.mount_static(app)
    dashboard.install_login_redirect(app)

    app.add_middleware(Correlate)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)  # outermost: before anything

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = await run_in_threadpool(render, hub.session_factory)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
