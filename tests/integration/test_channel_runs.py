"""Channel runs on SQLite and PostgreSQL: a burst of webhooks and stock changes costs a
bounded number of intake and relay runs (one queued or running per channel), work that
arrives while a run is going is picked up by the next one, a throttled store is
rescheduled without delaying another store, and a poison record in an intake batch
fails alone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog, inbox, inventory, runs, stock_policy, triggers
from hub.services.triggers import INTAKE, RELAY
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes import memshop
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import SyncShop, sync_shop


@dataclass
class FakeQueue:
    """The queue port of hub.services.triggers: records each enqueued run, runs them FIFO."""

    s: SyncShop
    queued: list[tuple[str, int, int, float]] = field(default_factory=list)
    ran: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, kind: str, tenant_id: int, channel_id: int, delay: float) -> None:
        self.queued.append((kind, tenant_id, channel_id, delay))

    def drain(self, *, skip_delayed: bool = False, limit: int = 100) -> None:
        for _ in range(limit):  # bounded: a run that requeues itself for ever fails the test
            if not self.queued:
                return
            kind, tenant_id, channel_id, delay = self.queued.pop(0)
            if skip_delayed and delay >= 1.0:
                continue  # a countdown the test does not wait for
            run = runs.run_intake if kind == INTAKE else runs.run_relay
            run(self.s.ctx, tenant_id, channel_id, self)
            self.ran.append((kind, channel_id))
        raise AssertionError(f"runs kept coming: {self.ran[-5:]}")


def _archive(s: SyncShop, *orders: dict[str, object], channel_id: int | None = None) -> list[int]:
    records = [
        RawRecord("order", str(o["id"]), parse_utc(str(o["date_modified_gmt"])), o) for o in orders
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(
            uow.session, s.tenant_id, channel_id or s.channel_id, records, "webhook"
        )
        uow.commit()
    return ids


def _statuses(s: SyncShop, ids: list[int]) -> dict[int, str]:
    i = inbox_records.c
    with s.ctx.uow(s.tenant_id) as uow:
        return dict(uow.session.execute(select(i.id, i.status).where(i.id.in_(ids))).all())  # type: ignore[arg-type]


def test_a_burst_of_webhooks_costs_one_intake_run_and_one_relay_run_per_channel(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 100}, listed={"SKU-A": "71"})
    queue = FakeQueue(s)
    ids: list[int] = []
    for n in range(1, 31):  # thirty webhooks, each signalling as the API does after commit
        new = _archive(s, woo_order(n, f"2026-11-01T10:00:{n:02d}"))
        triggers.signal_inbox(s.ctx, s.tenant_id, new, queue)
        ids += new
    assert [(k, c) for k, _, c, _ in queue.queued] == [(INTAKE, s.channel_id)]
    queue.drain()
    assert set(_statuses(s, ids).values()) == {"processed"}
    assert s.shop.level("BER", "SKU-A") == (100, 30)
    # One intake batch took the whole burst; its allocations signalled one relay run.
    assert queue.ran == [(INTAKE, s.channel_id), (RELAY, s.channel_id)]
    assert s.platform.stock["71"] == 70
    for _ in range(20):  # a storm of stock triggers while nothing runs: one run
        triggers.signal_tenant(s.ctx, s.tenant_id, RELAY, queue)
    assert len(queue.queued) == 1


# PostgreSQL only: on SQLite nothing can commit while the relay's transaction is open (one
# writer), so "a change during the push" cannot happen there.
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_record_arriving_while_a_relay_runs_is_still_pushed(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    queue = FakeQueue(s)
    arrived: list[int] = []

    def another_writer() -> None:
        inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", 4, actor="t", reason="count")
        triggers.signal_tenant(s.ctx, s.tenant_id, RELAY, queue)

    def stock_changes_mid_push() -> None:
        if not arrived:  # once: the count lands (another process) while the run pushes
            arrived.append(4)
            writer = threading.Thread(target=another_writer)
            writer.start()
            writer.join()

    s.platform.on_push = stock_changes_mid_push
    triggers.signal_tenant(s.ctx, s.tenant_id, RELAY, queue)
    assert len(queue.queued) == 1
    queue.drain()
    # The signal during the run enqueued nothing itself (a run was going), but marked the
    # channel dirty, so the run's finish enqueued the next one, which pushed the 4.
    assert queue.ran == [(RELAY, s.channel_id), (RELAY, s.channel_id)]
    assert [[u.quantity for u in p] for p in s.platform.pushes] == [[10], [4]]


def _second_channel(s: SyncShop, tenant: Callable[[], UnitOfWork], db: Database) -> int:
    """Another memshop store of the same tenant selling SKU-A from BER."""
    channel = catalog.create_channel(tenant(), "web2", "woocommerce", "EUR")
    assert channel.id is not None
    shop_name = f"second-{s.tenant_id}-{db.backend}"
    memshop.PLATFORMS.pop(shop_name, None)
    with tenant() as uow:
        uow.session.execute(
            update(t.channels)
            .where(t.channels.c.id == channel.id)
            .values(settings={"connector": "memshop", "connection": {"shop": shop_name}})
        )
        uow.session.execute(
            insert(t.listings).values(
                tenant_id=s.tenant_id, channel_id=channel.id, channel_sku="SKU-A",
                sku_id=s.shop.sku_ids["SKU-A"], channel_product_id="8", channel_variant_id="81",
            )
        )  # fmt: skip
        uow.commit()
    stock_policy.set_warehouses(tenant(), "web2", ["BER"])
    return channel.id


def test_a_throttled_store_is_rescheduled_and_does_not_delay_another_stores_push(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10}, listed={"SKU-A": "71"})
    other_id = _second_channel(s, tenant, db)
    other = memshop.platform(f"second-{s.tenant_id}-{db.backend}")
    queue = FakeQueue(s)
    s.platform.throttled_for = 30.0  # the first store answers 429, Retry-After: 30
    inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", 7, actor="t", reason="count")
    triggers.signal_tenant(s.ctx, s.tenant_id, RELAY, queue)
    queue.drain(skip_delayed=True)
    assert other.stock == {"81": 7}  # pushed at once, whatever the first store does
    assert s.platform.stock == {}
    # The throttled store's next run waits for its budget in the queue, not in a worker.
    assert (RELAY, s.tenant_id, s.channel_id, 30.0) in queue.queued or any(
        k == RELAY and c == s.channel_id for k, c in queue.ran
    )
    s.platform.throttled_for = None
    queue.queued = [(RELAY, s.tenant_id, s.channel_id, 0.0)]  # the countdown has passed
    queue.drain()
    assert s.platform.stock == {"71": 7}
    assert other_id != s.channel_id


def test_a_poison_record_in_an_intake_batch_fails_alone_and_lands_in_the_error_queue(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    poison = woo_order(3, "2026-11-01T10:00:03")
    poison["line_items"] = ["not a line item"]  # breaks the mapper past its known errors
    good = [woo_order(n, f"2026-11-01T10:00:0{n}") for n in (1, 2, 4, 5)]
    ids = _archive(s, good[0], good[1], poison, good[2], good[3])
    queue = FakeQueue(s)
    triggers.signal_inbox(s.ctx, s.tenant_id, ids, queue)
    queue.drain()
    statuses = _statuses(s, ids)
    poison_id = ids[2]
    assert statuses.pop(poison_id) == "failed"
    assert set(statuses.values()) == {"processed"}
    assert s.shop.level("BER", "SKU-A") == (50, 4)  # the four good orders, allocated
    with s.ctx.uow(s.tenant_id) as uow:
        e = sync_errors.c
        (error,) = uow.session.execute(
            select(e.record, e.reason).where(e.inbox_id == poison_id, e.resolved_at.is_(None))
        ).all()
    assert "3" in error.record and error.reason


def test_an_intake_run_leaves_a_record_waiting_for_its_retry_time(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    ids = _archive(s, woo_order(1, "2026-11-01T10:00:01"), woo_order(2, "2026-11-01T10:00:02"))
    later = s.ctx.clock() + timedelta(minutes=5)
    with s.ctx.uow(s.tenant_id) as uow:  # a transient failure put record 2 back for later
        i = inbox_records.c
        uow.session.execute(update(inbox_records).where(i.id == ids[1]).values(retry_at=later))
        uow.commit()
    queue = FakeQueue(s)
    triggers.signal_inbox(s.ctx, s.tenant_id, ids, queue)
    queue.drain()
    assert _statuses(s, ids) == {ids[0]: "processed", ids[1]: "pending"}


def test_a_flash_sale_on_one_channel_takes_turns_with_another_channels_orders(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 500}, settings=SyncSettings(intake_batch_size=40))
    quiet = _second_channel(s, tenant, db)
    sale = _archive(
        s, *(woo_order(n, f"2026-11-01T10:{n // 60:02d}:{n % 60:02d}") for n in range(1, 101))
    )
    queue = FakeQueue(s)
    triggers.signal_inbox(s.ctx, s.tenant_id, sale, queue)
    one = _archive(s, woo_order(7001, "2026-11-01T11:00:00"), channel_id=quiet)
    triggers.signal_inbox(s.ctx, s.tenant_id, one, queue)
    queue.drain()
    intake = [channel for kind, channel in queue.ran if kind == INTAKE]
    # Batches of 40: the sale's first batch, then the other channel's order, then the
    # sale's remaining two batches, each sent to the back of the queue.
    assert intake == [s.channel_id, quiet, s.channel_id, s.channel_id]
    assert set(_statuses(s, sale + one).values()) == {"processed"}
