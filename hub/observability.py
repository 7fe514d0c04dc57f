"""Structured JSON logs with a correlation id that follows one piece of work from the
API through the queue into the connector, and known secrets scrubbed from every line.

The id lives in a context variable: the API middleware sets it per request, Celery
carries it in a message header (``before_task_publish``) and the worker binds it again
(``task_prerun``), so a connector's log lines carry the id of the request behind them.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "JsonFormatter",
    "SecretScrubber",
    "bind",
    "configure_logging",
    "connect_celery",
    "correlation_id",
    "new_correlation_id",
    "register_secret",
]

_context: ContextVar[dict[str, Any]] = ContextVar("hub_log_context", default={})  # noqa: B039
HEADER = "hub_correlation_id"
_secrets: set[str] = set()
# Values after these keys are secrets wherever they appear in a message.
_SECRET_PATTERN = re.compile(
    r"(?i)((?:access_token|api_key|secret|password|token|authorization|consumer_secret)"
    r"[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)([^\s\"',&}]+)"
)
# Query-string parameters that carry credentials (an access log line holds the whole
# request line): OAuth codes and tokens, API keys, webhook signatures.
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:token|access_token|refresh_token|id_token|api_key|apikey|key|"
    r"client_secret|secret|password|signature|sig|hmac|code|state|auth)=)([^&#\s\"']+)"
)
# Loggers of the ASGI server: their lines go through the same handler (and scrubber).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


def bind(**values: Any) -> None:
    _context.set({**_context.get(), **values})


def correlation_id() -> str | None:
    value = _context.get().get("correlation_id")
    return str(value) if value else None


def reset(correlation: str | None = None) -> None:
    _context.set({"correlation_id": correlation} if correlation else {})


def register_secret(value: str) -> None:
    """A value that must never reach a log line (credentials as they are loaded)."""
    if len(value) >= 6:
        _secrets.add(value)


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    for value in sorted({*_secrets, *extra}, key=len, reverse=True):
        text = text.replace(value, "***")
    return _SECRET_QUERY.sub(r"\1***", _SECRET_PATTERN.sub(r"\1***", text))


class SecretScrubber(logging.Filter):
    """Rewrites the record's message with secrets masked (before any handler sees it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **_context.get(),
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """One JSON line per record on stderr, for every logger of the process.

    uvicorn configures its own loggers (own handlers, no propagation) before it loads the
    app; they are handed back to the root handler here, so its access log lines, which
    carry the query string, are scrubbed like every other line."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SecretScrubber())
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers = []
        server_logger.propagate = True


def _publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    current = correlation_id()
    if headers is not None and current:
        headers[HEADER] = current


def _prerun(task: Any = None, **_: Any) -> None:
    incoming = getattr(getattr(task, "request", None), HEADER, None)
    reset(incoming or new_correlation_id())
    bind(task=getattr(task, "name", "?"))


def _setup_logging(loglevel: int | str | None = None, **_: Any) -> None:
    # Connected, this replaces Celery's own logging setup: workers log JSON lines too.
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    configure_logging(str(level or "INFO"))


def connect_celery() -> None:
    from celery import signals

    signals.setup_logging.connect(_setup_logging, weak=False)
    signals.before_task_publish.connect(_publish, weak=False)
    signals.task_prerun.connect(_prerun, weak=False)
