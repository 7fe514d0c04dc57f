"""The embedded default (no broker server: kombu's SQLAlchemy transport on a SQLite file)
with a real worker process, and the `hub errors` commands as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.celery_app import make_celery
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import inbox, ingest
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import SyncShop, sync_shop
from tests.integration.workers import ROOT, Worker, wait_until


def _archive(s: SyncShop, *orders: dict[str, object]) -> list[int]:
    records = [
        RawRecord("order", str(o["id"]), parse_utc(o["date_modified_gmt"]), o) for o in orders
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, "poll")
        uow.commit()
    return ids


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_embedded_broker_needs_no_server_and_a_real_worker_drains_it(
    db: Database, tenant: Callable[[], UnitOfWork], tmp_path: Path
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    ids = _archive(s, *(woo_order(n, "2026-11-01T10:00:00") for n in range(1, 7)))
    broker = tmp_path / "broker.sqlite"
    make_celery(SyncSettings(broker_url=None, broker_path=broker)).send_task(
        "hub.tasks.process_inbox", args=[s.tenant_id, ids], queue="ingest"
    )
    assert broker.exists()  # the queue is a file next to the database, not a server
    env = {"HUB_DATABASE_URL": db.url, "HUB_BROKER_PATH": str(broker)}
    assert "HUB_BROKER_URL" not in os.environ
    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    try:
        wait_until(lambda: s.inbox_statuses().count("processed") == len(ids), what="drain")
    finally:
        worker.stop()
    assert s.count(t.orders) == 6
    assert s.shop.level("BER", "SKU-A") == (50, 6)


def _hub(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = db.url
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_hub_errors_list_and_replay_from_the_command_line(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    bad = woo_order(1, "2026-11-01T10:00:00")
    bad["currency"] = "EURO"
    ingest.process_many(s.ctx, s.tenant_id, _archive(s, bad))
    with s.shop.uow() as uow:
        slug = uow.session.execute(
            select(t.tenants.c.slug).where(t.tenants.c.id == s.tenant_id)
        ).scalar_one()
    listed = _hub(db, "errors", "list", "--tenant", slug, "--json")
    assert listed.returncode == 0, listed.stderr
    (error,) = json.loads(listed.stdout)
    assert (error["stage"], error["field"], error["attempts"]) == ("map", "currency", 1)
    replayed = _hub(db, "errors", "replay", "--all", "--tenant", slug, "--json")
    assert replayed.returncode == 0, replayed.stderr
    assert [r["result"] for r in json.loads(replayed.stdout)] == ["failed"]  # not fixed yet
    again = json.loads(_hub(db, "errors", "list", "--tenant", slug, "--json").stdout)
    assert again[0]["attempts"] == 2
    human = _hub(db, "errors", "list", "--tenant", slug)
    assert "currency" in human.stdout and "woocommerce order 1" in human.stdout
