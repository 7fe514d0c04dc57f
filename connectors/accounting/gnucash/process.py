"""The GnuCash engine as a child process under Debian's python3, spoken to in JSON lines.

The ``python3-gnucash`` bindings are built for Debian's interpreter, not the hub's, and
they load a C engine and guile: keeping them in a child process lets the hub run on any
Python and survive an engine crash (the next request starts a fresh child).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import weakref
from pathlib import Path
from typing import IO, Any

from connectors.errors import (
    ConnectorError,
    DocumentRejected,
    FatalConfigurationError,
    RetriableError,
)

__all__ = ["INSTALL_HINT", "EngineProcess", "engine_python"]

ENGINE = Path(__file__).with_name("engine.py")
INSTALL_HINT = "apt-get install gnucash python3-gnucash libdbd-sqlite3"


def engine_python() -> str:
    """The interpreter the bindings were built for (HUB_GNUCASH_PYTHON overrides)."""
    return os.environ.get("HUB_GNUCASH_PYTHON", "/usr/bin/python3")


def _stop(process: subprocess.Popen[str], log: IO[bytes]) -> None:
    if process.poll() is None:
        process.stdin.close() if process.stdin else None
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.close()


class EngineProcess:
    """One child, started on first use, one request at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def _start(self) -> subprocess.Popen[str]:
        python = engine_python()
        if not os.access(python, os.X_OK):
            raise FatalConfigurationError(f"gnucash: no {python} for GnuCash ({INSTALL_HINT})")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self._process = subprocess.Popen(
            [python, "-I", str(ENGINE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
        )
        self._finalizer = weakref.finalize(self, _stop, self._process, self._log)
        return self._process

    def _stderr_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-500:]

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._process = None

    def request(self, op: str, **fields: Any) -> Any:
        with self._lock:
            process = self._process if self._process and self._process.poll() is None else None
            process = process or self._start()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except BrokenPipeError:
                line = ""
            if not line:  # the engine died mid-request: a fresh child next time
                tail = self._stderr_tail()
                self.close()
                raise RetriableError(f"gnucash: the engine exited during {op}: {tail}")
            answer = json.loads(line)
        if "ok" in answer:
            return answer["ok"]
        kind, message = answer["error"], answer["message"]
        if kind == "missing_engine":
            self.close()
            raise FatalConfigurationError(f"gnucash: {message} ({INSTALL_HINT})")
        errors: dict[str, type[ConnectorError]] = {
            "rejected": DocumentRejected,
            "locked": RetriableError,
            "config": FatalConfigurationError,
        }
        raise errors.get(kind, ConnectorError)(f"gnucash: {message}")
