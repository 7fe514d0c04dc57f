"""The real deployment shape on PostgreSQL + Redis: Celery worker processes fed through a
throwaway Redis server. A worker killed mid-batch, Redis stopped and restarted, and the
database cutting every connection mid-run: nothing is lost and nothing is doubled. The
killed worker runs on RabbitMQ too, the other production broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from kombu.exceptions import OperationalError as BrokerDown
from sqlalchemy import func, select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.celery_app import make_celery
from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.tables_sync import channel_push_state
from hub.db.unit_of_work import UnitOfWork
from hub.services import inbox, inventory
from hub.sync_config import SyncSettings
from tests.conftest import POSTGRES_ADMIN_URL, Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import SyncShop, sync_shop
from tests.integration.workers import (
    RabbitVhost,
    RedisServer,
    Worker,
    free_port,
    wait_until,
)

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def rabbitmq() -> Iterator[RabbitVhost]:
    vhost = RabbitVhost()
    vhost.create()
    yield vhost
    vhost.delete()


@pytest.fixture
def worker_env(db: Database, redis_server: RedisServer, tmp_path: Path) -> dict[str, str]:
    return _env(db, redis_server.url, tmp_path)


def _env(db: Database, broker_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "HUB_DATABASE_URL": db.url,
        "HUB_BROKER_URL": broker_url,
        "HUB_BROKER_PATH": str(tmp_path / "broker"),
        "HUB_BROKER_VISIBILITY_TIMEOUT": "5",
        "HUB_SYNC_TICK_SECONDS": "1",
        "HUB_SYNC_REAP_AFTER": "2",
    }


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    with _worker_pool(worker_env, tmp_path) as new:
        yield new


@contextmanager
def _worker_pool(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    """Start workers on demand; every one started is stopped at the end."""
    started: list[Worker] = []

    def new() -> Worker:
        started.append(Worker(env, tmp_path / f"worker{len(started)}.log"))
        return started[-1]

    try:
        yield new
    finally:
        for worker in started:
            worker.stop()


def _orders(s: SyncShop, count: int) -> tuple[list[int], int]:
    """Archive `count` orders; return their inbox ids and the units of SKU-A they ask."""
    payloads = [
        woo_order(n, f"2026-11-01T10:{n % 60:02d}:{n // 60:02d}", [("SKU-A", 1 + n % 3)])
        for n in range(1, count + 1)
    ]
    records = [
        RawRecord("order", str(p["id"]), parse_utc(p["date_modified_gmt"]), p) for p in payloads
    ]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, records, "poll")
        uow.commit()
    return ids, sum(1 + n % 3 for n in range(1, count + 1))


def _enqueue(broker_url: str, tenant_id: int, ids: list[int], chunk: int = 5) -> None:
    celery = make_celery(SyncSettings(broker_url=broker_url))
    for start in range(0, len(ids), chunk):
        celery.send_task(
            "hub.tasks.process_inbox", args=[tenant_id, ids[start : start + chunk]], queue="ingest"
        )


def _processed(s: SyncShop) -> int:
    return s.inbox_statuses().count("processed")


def _assert_exactly_once(s: SyncShop, count: int, units: int) -> None:
    assert s.count(t.orders) == count
    with s.shop.uow() as uow:
        r, ol = t.reservations.c, t.order_lines.c
        per_line = uow.session.execute(
            select(ol.id, ol.quantity, func.coalesce(func.sum(r.quantity), 0))
            .outerjoin(t.reservations, r.order_line_id == ol.id)
            .where(ol.tenant_id == s.tenant_id)
            .group_by(ol.id, ol.quantity)
        ).all()
    assert len(per_line) == count
    assert all(reserved == quantity for _, quantity, reserved in per_line)
    assert s.shop.level("BER", "SKU-A") == (5000, units)
    assert s.shop.verify() == []


def test_a_worker_killed_mid_batch_then_restarted_loses_nothing_and_doubles_nothing(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    redis_server: RedisServer,
    workers: Callable[[], Worker],
) -> None:
    _kill_a_worker_mid_batch(db, tenant, redis_server.url, workers)


def test_on_rabbitmq_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    db: Database, tenant: Callable[[], UnitOfWork], rabbitmq: RabbitVhost, tmp_path: Path
) -> None:
    with _worker_pool(_env(db, rabbitmq.url, tmp_path), tmp_path) as workers:
        _kill_a_worker_mid_batch(db, tenant, rabbitmq.url, workers)


def _kill_a_worker_mid_batch(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    broker_url: str,
    workers: Callable[[], Worker],
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5000})
    ids, units = _orders(s, 150)
    _enqueue(broker_url, s.tenant_id, ids)
    first = workers()
    first.start()
    wait_until(lambda: _processed(s) >= 20, what="the first worker to get going")
    first.kill()
    cut_at = _processed(s)
    assert cut_at < len(ids), "the worker finished before it could be killed mid-batch"
    second = workers()
    second.start(beat=True)  # redelivery (visibility timeout or closed channel), the reaper
    wait_until(lambda: _processed(s) == len(ids), what="every record to be processed")
    _assert_exactly_once(s, len(ids), units)


def test_the_database_cutting_every_connection_mid_run_is_survived(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    redis_server: RedisServer,
    workers: Callable[[], Worker],
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5000})
    ids, units = _orders(s, 120)
    _enqueue(redis_server.url, s.tenant_id, ids)
    worker = workers()
    worker.start(beat=True)
    wait_until(lambda: _processed(s) >= 15, what="the worker to get going")
    name = sa.make_url(db.url).database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # only this test database's sessions, never the server
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    assert killed >= 1
    wait_until(lambda: _processed(s) == len(ids), what="every record after the cut")
    _assert_exactly_once(s, len(ids), units)


def _pending_stock_events(s: SyncShop) -> int:
    return s.count(ta.outbox_events, topic="stock.changed", delivered_at=None)


def _pushed(s: SyncShop) -> int | None:
    with s.shop.uow() as uow:
        p = channel_push_state.c
        return uow.session.execute(
            select(p.quantity).where(
                p.channel_id == s.channel_id, p.sku_id == s.shop.sku_ids["SKU-A"]
            )
        ).scalar()


def test_redis_stopped_and_restarted_the_outbox_still_drains_with_the_latest_figure(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    redis_server: RedisServer,
    workers: Callable[[], Worker],
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5000}, listed={"SKU-A": "71"})
    worker = workers()
    worker.start(beat=True)
    wait_until(lambda: _pending_stock_events(s) == 0, what="the seeding events to drain")
    assert _pushed(s) == 5000
    redis_server.stop()
    for count in (4000, 3000, 2500):  # stock keeps changing while the broker is gone
        inventory.adjust_to_count(s.shop.uow(), "BER", "SKU-A", count, actor="t", reason="count")
    celery = make_celery(SyncSettings(broker_url=redis_server.url))
    with pytest.raises(BrokerDown):
        celery.send_task("hub.tasks.relay_outbox", args=[s.tenant_id], retry=False)
    assert _pending_stock_events(s) == 3  # committed with the stock change, waiting
    redis_server.start()
    wait_until(lambda: _pending_stock_events(s) == 0, 180, "the outbox to drain")
    assert _pushed(s) == 2500
