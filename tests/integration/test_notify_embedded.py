"""The embedded default notifies on its own: `hub run` (API + worker + beat in one
process, the broker a SQLite file) runs the notifications beat entry, and an overdue
order reaches a local webhook receiver, signed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hub.crypto import SecretBox, derive_key
from hub.db import tables as t
from hub.domain.clock import utcnow
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus
from hub.services import catalog
from hub.services import notifications as notify
from hub.services.orders import store_order
from tests.conftest import Database
from tests.integration.factories import UowFactory
from tests.integration.notify_setup import webhook_receiver
from tests.integration.workers import ROOT, free_port, wait_until

SECRET_KEY = "embedded notification test"


def _overdue_order(tenant: UowFactory) -> None:
    channel = catalog.create_channel(tenant(), "web", "shopify", "EUR")
    with tenant() as uow:
        tid = uow.tenant_id
    assert tid is not None and channel.id is not None
    order = Order(tid, channel.id, "E1", "EUR", utcnow() - timedelta(hours=5), number="#E1")
    order.add_line(OrderLine("TENT", 1, Money.of("80.00", "EUR")))
    stored = store_order(tenant(), "web", order)
    with tenant() as uow:
        uow.session.execute(
            update(t.orders).where(t.orders.c.id == stored.id).values(status=OrderStatus.ALLOCATED)
        )
        uow.commit()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_hub_run_notifies_through_its_own_beat(
    db: Database, tenant: UowFactory, tmp_path: Path
) -> None:
    with webhook_receiver() as rx:
        _overdue_order(tenant)
        box = SecretBox([derive_key(SECRET_KEY)])  # what the process derives from its key
        added = notify.add_subscription(
            tenant(), box, "ops", "webhook", rx.url, ["order.overdue"], actor="t", now=utcnow()
        )
        assert added.secret is not None
        rx.secret = added.secret
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {
            "HUB_DATABASE_URL": db.url,
            "HUB_BROKER_PATH": str(tmp_path / "broker.sqlite"),
            "HUB_SECRET_KEY": SECRET_KEY,
            "HUB_NOTIFY_INTERVAL_S": "1",
            "HUB_NOTIFY_OVERDUE_HOURS": "4",
        }
        log = tmp_path / "hub-run.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub", "run", "--port", str(free_port())],
                cwd=ROOT, env=env, stdout=out, stderr=out,
            )  # fmt: skip
        try:
            wait_until(lambda: len(rx.received) >= 1, what=f"a webhook ({log})")
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        [hook] = rx.received
        assert hook.verified
        document = json.loads(hook.body)
        assert document["kind"] == "order.overdue"
        assert document["subject"].startswith("Order #E1 not dispatched 5 h after")
