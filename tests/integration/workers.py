"""Real processes for the worker tests: a throwaway Redis server (never the shared one on
6379), a throwaway virtual host on the local RabbitMQ, and Celery worker processes that
can be killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 90.0, what: str = "") -> None:
    """A liveness bound, not a speed assertion: fail only if it never happens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what or condition}")


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), 20, "redis to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None


class RabbitVhost:
    """A virtual host of its own on the local RabbitMQ (guest/guest, 5672), so the test's
    queues never meet another run's leftovers; deleted with everything in it."""

    def __init__(self) -> None:
        self.name = f"hubtest-{uuid.uuid4().hex[:12]}"
        self.url = f"amqp://guest:guest@127.0.0.1:5672/{self.name}"

    def create(self) -> None:
        _rabbitmqctl("add_vhost", self.name)
        _rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")

    def delete(self) -> None:
        _rabbitmqctl("delete_vhost", self.name)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


class Worker:
    """``python -m tests.fakes.worker``: a Celery worker (threads pool) on the test broker."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, beat: bool = False) -> None:
        args = [
            sys.executable,
            "-m",
            "tests.fakes.worker",
            "--pool=threads",
            "-c",
            "2",
            "-Q",
            "ingest,allocation,push",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ]
        if beat:
            args += ["-B", "-s", str(self.log.with_suffix(".beat"))]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=out)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, whatever it was doing is cut off."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(20)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None
