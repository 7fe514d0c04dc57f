"""The HTTP side of the hub: FastAPI app factory (webhooks now; REST and dashboard later)."""

from hub.api.app import create_app

__all__ = ["create_app"]
