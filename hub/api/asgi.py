"""ASGI entry for a deployment: ``uvicorn --factory hub.api.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.app import create_app
from hub.bootstrap import bootstrap


def app() -> FastAPI:
    return create_app(bootstrap())
