"""ASGI entry for a deployment: ``uvicorn --factory hub.api.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.app import create_app
from hub.bootstrap import the_hub
from hub.observability import configure_logging


def app() -> FastAPI:
    hub = the_hub()
    configure_logging(hub.settings.log_level)
    return create_app(hub)
