"""A real Celery worker process whose registry knows the in-memory `memshop` connector:
``python -m tests.fakes.worker --pool=threads -c 2 ...`` (broker and database from HUB_*)."""

from __future__ import annotations

import sys

from hub.celery_app import app
from hub.sync_runtime import build_context
from hub.tasks import use_context
from tests.fakes import memshop


def main() -> None:
    use_context(build_context(registry=memshop.registry()))
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
