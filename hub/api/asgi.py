"""ASGI entry for a deployment: ``uvicorn --factory hub.api.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.app import create_app
from hub.bootstrap import bootstrap
from hub.observability import configure_logging


def app() -> FastAPI:
    hub = bootstrap()
    configure_logging(hub.settings.log_level)
    return create_app(hub)
