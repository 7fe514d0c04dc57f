"""`hub run`: API + Celery worker + beat in one process (the embedded default).

The worker runs in the main thread (Celery wants the signals); uvicorn serves the API
from a daemon thread. With no HUB_BROKER_URL the broker is a SQLite file, so this needs
no server at all; with Redis it is one node of a normal deployment.
"""

from __future__ import annotations

import threading

import uvicorn

from hub.api import create_app
from hub.bootstrap import the_hub
from hub.celery_app import QUEUES, app
from hub.observability import configure_logging
from hub.tasks import CeleryDispatcher

__all__ = ["run_all"]


def run_all(host: str, port: int, concurrency: int = 2, loglevel: str = "INFO") -> None:
    hub = the_hub()  # the worker's tasks use this same Hub (and its sync context)
    configure_logging(loglevel)  # JSON lines with correlation ids, secrets scrubbed
    api = create_app(hub, sync=hub.sync, dispatcher=CeleryDispatcher(hub.sync))
    # log_config=None: keep the JSON, scrubbed logging configured above (access log too).
    server = uvicorn.Server(
        uvicorn.Config(api, host=host, port=port, log_level="info", log_config=None)
    )
    threading.Thread(target=server.run, name="hub-api", daemon=True).start()
    worker = app.Worker(
        pool="threads",
        concurrency=concurrency,
        beat=True,
        queues=list(QUEUES),
        loglevel=loglevel,
    )
    try:
        worker.start()
    finally:
        server.should_exit = True
