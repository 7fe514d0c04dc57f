"""Poison records: one bad record is isolated, classified and queued with its reason and
raw payload; the rest of its batch is processed; a transient failure is retried a
bounded number of times with a backoff; a fixed mapper replays what failed.

Before: a mapper's AttributeError or InvalidOperation crashed the whole batch, and a
database error about the data itself (numeric overflow, a NUL character, `varchar =
numeric`) was retried forever, so 143 of 2,000 mutated orders stayed pending with no
error-queue row."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from connectors.base import RawRecord
from connectors.registry import default_registry
from hub.db.retry import Failure, db_failure
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.services import ingest, schedule
from hub.services.inbox import archive
from hub.services.ingest_batch import process_batch
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.sync_setup import SyncShop, sync_shop


def _archive(s: SyncShop, payloads: list[dict[str, Any]]) -> list[int]:
    records = [RawRecord("order", str(p["id"]), None, p) for p in payloads]
    with s.ctx.uow(s.tenant_id) as uow:
        ids = archive(uow.session, s.tenant_id, s.channel_id, records, "webhook")
        uow.commit()
    return ids


def _rows(s: SyncShop, ids: list[int]) -> dict[int, Any]:
    i, e = inbox_records.c, sync_errors.c
    with s.ctx.uow(s.tenant_id) as uow:
        rows = uow.session.execute(
            select(i.id, i.status, i.attempts, i.retry_at, i.payload, e.stage, e.field, e.reason)
            .outerjoin(sync_errors, (e.inbox_id == i.id) & e.resolved_at.is_(None))
            .where(i.id.in_(ids))
        ).all()
    return {r.id: r for r in rows}


def _mutated(n: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    payload = copy.deepcopy(woo_order(n, "2026-11-01T10:00:00"))
    change(payload)
    return payload


POISON: dict[str, Callable[[dict[str, Any]], None]] = {
    # the mapper calls .get on what should be an object
    "AttributeError": lambda p: p.__setitem__("billing", "not an object"),
    # Decimal refuses an exponent beyond its context: InvalidOperation, not ValueError
    "InvalidOperation": lambda p: p["line_items"][0].__setitem__("subtotal", "1e400"),
    # maps fine, then overflows the quantity column (PostgreSQL 22003, SQLite OverflowError)
    "overflow": lambda p: p["line_items"][0].__setitem__("quantity", 10**30),
    # maps fine; PostgreSQL text refuses NUL (the driver raises DataError)
    "NUL": lambda p: p["billing"].__setitem__("first_name", "Ada\x00"),
    # a number where the SKU string belongs (was `varchar = numeric` on PostgreSQL): now
    # read as its digits, the order is stored
    "number as SKU": lambda p: p["line_items"][0].__setitem__("sku", 12345),
}


def test_every_poison_record_ends_queued_or_done_and_the_rest_of_its_batch_goes_on(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    payloads = [woo_order(1, "2026-11-01T10:00:00")]
    payloads += [_mutated(10 + n, change) for n, change in enumerate(POISON.values())]
    payloads.append(woo_order(2, "2026-11-01T10:00:00"))
    ids = _archive(s, payloads)
    outcomes = process_batch(s.ctx, s.tenant_id, ids)
    rows = _rows(s, ids)
    assert (outcomes[0].result, outcomes[-1].result) == ("created", "created")
    assert s.shop.level("BER", "SKU-A")[1] >= 2  # both good orders reserved
    for outcome, payload in zip(outcomes[1:-1], payloads[1:-1], strict=True):
        row = rows[outcome.inbox_id]
        assert row.status != "pending", outcome  # nothing left pending
        if row.status == "failed":
            assert row.reason, outcome  # queued with its reason, the raw payload kept
            assert row.payload == payload
    # Named by field (they were a bare AttributeError and InvalidOperation, no field).
    failed = {rows[o.inbox_id].field for o in outcomes if o.result == "failed"}
    assert {"billing", "subtotal"} <= failed
    if db.backend == "postgres":  # the database refuses these; SQLite stores some of them
        assert sum(o.result == "failed" for o in outcomes) == len(POISON) - 1
        assert s.shop.level("BER", "SKU-A")[1] == 2


def test_a_transient_failure_is_retried_with_backoff_then_queued_after_the_bound(
    db: Database, tenant: Callable[[], UnitOfWork], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    [inbox_id] = _archive(s, [woo_order(30, "2026-11-01T10:00:00")])
    lost = OperationalError("INSERT ...", {}, Exception("server closed the connection"))

    def connection_lost(*args: Any) -> Any:
        raise lost

    monkeypatch.setattr(ingest, "_upsert", connection_lost)
    first = ingest.process(s.ctx, s.tenant_id, inbox_id)
    row = _rows(s, [inbox_id])[inbox_id]
    assert (first.result, row.status, row.attempts) == ("retrying", "pending", 1)
    assert row.retry_at is not None and row.stage is None  # retrying, not queued
    due = schedule.claim_stuck(s.ctx, now=row.retry_at - timedelta(seconds=1))
    assert inbox_id not in due.inbox.get(s.tenant_id, [])  # not before its time
    due = schedule.claim_stuck(s.ctx, now=row.retry_at)
    assert inbox_id in due.inbox[s.tenant_id]
    for _ in range(ingest.RETRY_LIMIT - 1):
        last = ingest.process(s.ctx, s.tenant_id, inbox_id)
    row = _rows(s, [inbox_id])[inbox_id]
    assert (last.result, row.status, row.attempts) == ("failed", "failed", ingest.RETRY_LIMIT)
    assert row.reason.startswith(f"gave up after {ingest.RETRY_LIMIT} transient failures")
    assert ingest.retry_delay(1) < ingest.retry_delay(3) <= ingest.retry_delay(30)
    monkeypatch.undo()  # the database is back: replay takes it in
    with s.ctx.uow(s.tenant_id) as uow:
        error_id = uow.session.execute(
            select(sync_errors.c.id).where(sync_errors.c.inbox_id == inbox_id)
        ).scalar_one()
    assert ingest.replay(s.ctx, s.tenant_id, error_id).result == "created"
    assert s.shop.level("BER", "SKU-A") == (5, 1)


def test_a_record_a_mapper_bug_failed_is_replayed_after_the_fix(
    db: Database, tenant: Callable[[], UnitOfWork], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    ids = _archive(s, [woo_order(n, "2026-11-01T10:00:00") for n in (40, 41)])
    woo = default_registry.load("woocommerce")  # the connector owns its mapper
    fixed = woo.map_order

    def buggy(payload: dict[str, Any], context: Any) -> Any:
        if payload["id"] == 41:
            return None.lower()  # type: ignore[attr-defined]  # the bug
        return fixed(payload, context)

    monkeypatch.setattr(woo, "map_order", staticmethod(buggy))
    outcomes = process_batch(s.ctx, s.tenant_id, ids)
    assert [o.result for o in outcomes] == ["created", "failed"]
    row = _rows(s, ids)[ids[1]]
    assert row.stage == "map" and "AttributeError" in row.reason
    monkeypatch.setattr(woo, "map_order", staticmethod(fixed))  # the fix is deployed
    with s.ctx.uow(s.tenant_id) as uow:
        error_id = uow.session.execute(
            select(sync_errors.c.id).where(sync_errors.c.inbox_id == ids[1])
        ).scalar_one()
    assert ingest.replay(s.ctx, s.tenant_id, error_id).result == "created"
    assert s.shop.level("BER", "SKU-A") == (5, 2)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 'abc'::int", Failure.PERMANENT),  # 22P02 invalid text
        ("SELECT 1000::numeric(2,0)", Failure.PERMANENT),  # 22003 numeric overflow
        ("SELECT 'a'::varchar = 1::numeric", Failure.PERMANENT),  # 42883 no such operator
        ("SELECT 1/0", Failure.PERMANENT),  # 22012
        ("SELECT pg_terminate_backend(pg_backend_pid())", Failure.TRANSIENT),  # 57P01 / 08
    ],
)
def test_postgres_errors_are_told_transient_or_permanent_by_one_table(
    postgres_url: str, sql: str, expected: Failure
) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
        pytest.fail("the statement was expected to fail")
    except DBAPIError as exc:
        assert db_failure(exc) is expected
    finally:
        engine.dispose()


def test_a_lock_timeout_and_a_lost_sqlite_lock_are_transient(db: Database) -> None:
    if db.backend == "sqlite":
        error = OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        assert db_failure(error) is Failure.TRANSIENT
        return
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with db.engine.connect() as holder, db.engine.connect() as waiter:
        holder.execute(text("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE"))
        waiter.execute(text("SET lock_timeout = '50ms'"))
        with pytest.raises(DBAPIError) as caught:
            waiter.execute(text("SELECT count(*) FROM tenants"))
    assert caught.value.orig is not None
    assert getattr(caught.value.orig, "sqlstate", None) == "55P03"
    assert db_failure(caught.value) is Failure.TRANSIENT
