"""Workers racing on the same platform facts (PostgreSQL): four versions of one order, each
carrying the same shipment and refund with restock, processed at once by their own thread.
The order row lock orders them; each fact is applied once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import fulfilment, inbox, ingest
from hub.services.ingest_batch import process_batch
from tests.conftest import Database
from tests.integration.lifecycle_payloads import refund, shopify_order
from tests.integration.test_order_lifecycle_stock import NJ_LOCATION, _deliver, _events, _shop

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)

THREADS = 4


def test_four_workers_applying_the_same_shipment_and_refund_apply_them_once(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = _shop(db, tenant)
    lines = [(11, "SKU-A", 3)]
    _deliver(s, shopify_order(30, "2026-11-01T09:00:00Z", lines))
    order_id = s.order_id("30")
    fulfilment.ship(
        s.shop.uow(), order_id, actor="test", quantities={s.shop.line_ids(order_id)[0]: 2}
    )
    versions = []
    for n in range(THREADS):
        version = shopify_order(
            30, f"2026-11-02T10:00:0{n}Z", lines, shipped={11: 3},
            financial_status="partially_refunded",
            refunds=[refund(830, "2026-11-02T09:00:00Z", [(11, 1)], location_id=int(NJ_LOCATION))],
        )  # fmt: skip
        version["email"] = f"v{n}@example.com"
        versions.append(version)
    records = [RawRecord("order", "30", parse_utc(v["updated_at"]), v) for v in versions]
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
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert s.shop.level("BER", "SKU-A") == (7, 0)  # three out, once
    assert s.shop.level("NJ", "SKU-A") == (6, 0)  # one back, once
    assert s.count(t.refunds, order_id=order_id) == 1
    assert sorted(_events(s, order_id)) == ["refund", "shipment"]
    statuses = s.inbox_statuses()
    assert set(statuses) <= {"processed", "stale"}
    assert s.shop.verify() == []
