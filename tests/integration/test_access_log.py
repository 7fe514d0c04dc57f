"""The ASGI server's access log goes through the app's scrubber: a token, key, signature
or OAuth code passed in the query string never reaches the log line, whichever way the
server was started (uvicorn's own logging config first, as `uvicorn --factory` does)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hub import observability

SECRETS = {
    "token": "hub_s3cretTokenValue",
    "access_token": "shpat_0123456789abcdef",
    "key": "ck_consumerkey42",
    "signature": "c2lnbmF0dXJlLXZhbHVl",
    "code": "oauth-code-77aa",
}


@pytest.fixture
def logging_restored() -> Iterator[None]:
    loggers = [logging.getLogger(), *map(logging.getLogger, observability.SERVER_LOGGERS)]
    saved = [(lg, lg.handlers[:], lg.propagate, lg.level) for lg in loggers]
    yield
    for lg, handlers, propagate, level in saved:
        lg.handlers, lg.propagate, lg.level = handlers, propagate, level


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_query_string_secrets_are_masked_in_the_access_log(
    logging_restored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    port = _free_port()
    # uvicorn applies its own logging config here, as the CLI does before the factory.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=True)
    observability.configure_logging("INFO")  # what hub.api.asgi.app() does next
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        query = "&".join(f"{k}={v}" for k, v in SECRETS.items()) + "&page=2"
        assert httpx.get(f"http://127.0.0.1:{port}/ping?{query}").status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [e["message"] for e in lines if e["logger"] == "uvicorn.access"]
    assert len(access) == 1, err
    line = access[0]
    assert "/ping?" in line and "page=2" in line and " 200" in line
    for name, value in SECRETS.items():
        assert value not in err
        assert f"{name}=***" in line
