"""One correlation id per request, as plain ASGI middleware.

Starlette's ``@app.middleware("http")`` runs every request through a second task and a
memory stream; at webhook rates that was a measurable share of the API's CPU, for what is
a header read, a context variable and a log line."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import observability

__all__ = ["Correlate"]

log = logging.getLogger("hub.api")


class Correlate:
    """Binds the caller's X-Request-ID (or a new id) for every log line of the request
    and the tasks it enqueues, answers it back, and logs the request's outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        correlation = incoming[:64] if incoming.isprintable() and incoming else None
        observability.reset(correlation or observability.new_correlation_id())
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = observability.correlation_id() or ""
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed)
