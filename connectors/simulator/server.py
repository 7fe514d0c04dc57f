"""Run the simulator: a FastAPI app on 127.0.0.1 in a background thread (or its own
process: ``python -m connectors.simulator``), plus signed webhook deliveries."""

from __future__ import annotations

import json
import socket
import threading
import time
from types import TracebackType
from typing import Any

import requests
import uvicorn
from fastapi import FastAPI

from connectors.simulator.shopify_api import shopify_router
from connectors.simulator.state import SimState
from connectors.simulator.woo_api import woo_router
from connectors.toolkit import hmac_sha256_base64

__all__ = ["AppServer", "SimulatorServer", "build_app", "signed_webhook"]


def build_app(state: SimState) -> FastAPI:
    app = FastAPI(title="hub platform simulator", docs_url=None, redoc_url=None)
    app.include_router(shopify_router(state))
    app.include_router(woo_router(state))
    return app


def signed_webhook(
    state: SimState, platform: str, topic: str, record: Any
) -> tuple[dict[str, str], bytes]:
    """(headers, raw body) of one delivery, signed the way the platform signs."""
    body = json.dumps(record).encode()
    if platform == "shopify":
        signature = hmac_sha256_base64(state.shopify_secret, body)
        return {
            "X-Shopify-Hmac-SHA256": signature,
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": f"sim-{time.monotonic_ns()}",
            "Content-Type": "application/json",
        }, body
    signature = hmac_sha256_base64(state.woo_webhook_secret, body)
    return {
        "X-WC-Webhook-Signature": signature,
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Delivery-ID": str(time.monotonic_ns()),
        "Content-Type": "application/json",
    }, body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class AppServer:
    """``with AppServer(app) as server: server.url`` serves an ASGI app on 127.0.0.1 in a
    background thread until the block ends (the simulator; the hub's API in e2e tests)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or _free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="app-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SimulatorServer(AppServer):
    """``with SimulatorServer(state) as sim: sim.url`` serves the simulator."""

    def __init__(self, state: SimState | None = None, port: int | None = None) -> None:
        self.state = state or SimState()
        super().__init__(build_app(self.state), port)

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def deliver(self, url: str, platform: str, topic: str, record: Any) -> int:
        """POST one signed webhook to ``url`` (the hub's webhook endpoint)."""
        headers, body = signed_webhook(self.state, platform, topic, record)
        return requests.post(url, data=body, headers=headers, timeout=10).status_code
