"""Many workers racing on one order (PostgreSQL): every version of the same new order is
processed at once by its own thread, through both ingest paths. One order, the newest
version, one set of reservations."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import inbox, ingest
from hub.services.ingest_batch import process_batch
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import sync_shop

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)

THREADS = 8


def test_eight_workers_racing_on_every_version_of_one_new_order_leave_one_order(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 100})
    versions = [
        woo_order(42, f"2026-11-01T10:00:0{n}", [("SKU-A", 3)], email=f"v{n}@example.com")
        for n in range(THREADS)
    ]
    records = [RawRecord("order", "42", parse_utc(v["date_modified_gmt"]), v) for v in versions]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, "webhook")
        uow.commit()
    assert len(ids) == THREADS
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        start.wait()
        try:
            if n % 2:
                process_batch(s.ctx, s.tenant_id, [ids[n]])
            else:
                ingest.process(s.ctx, s.tenant_id, ids[n])
        except BaseException as exc:  # surfaced below, with the thread's own traceback lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert s.count(t.orders) == 1
    order_id = s.order_id("42")
    with s.shop.uow() as uow:
        o, r, ol = t.orders.c, t.reservations.c, t.order_lines.c
        email, stamp = uow.session.execute(
            select(o.customer_email, o.platform_updated_at).where(o.id == order_id)
        ).one()
        reserved = uow.session.execute(
            select(func.sum(r.quantity))
            .join(t.order_lines, ol.id == r.order_line_id)
            .where(ol.order_id == order_id)
        ).scalar_one()
    assert (email, stamp) == ("v7@example.com", parse_utc("2026-11-01T10:00:07"))
    assert reserved == 3
    assert s.shop.level("BER", "SKU-A") == (100, 3)
    statuses = s.inbox_statuses()
    assert sorted(set(statuses)) <= ["processed", "stale"] and len(statuses) == THREADS
    assert s.shop.verify() == []
