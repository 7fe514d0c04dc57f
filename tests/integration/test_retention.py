"""Retention deletes old rows of the growing tables and never one still needed: the
newest payload of a record, a payload an open error points at, a pending record, an
unsent outbox event, anything inside its table's window."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from hub.config import Settings
from hub.db.tables_allocation import outbox_events
from hub.db.tables_operator import audit_entries
from hub.db.tables_sync import inbox_records, push_deliveries, sync_errors, webhook_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.services import retention
from tests.conftest import Database
from tests.integration.alloc_setup import shop

NOW = utcnow()
OLD = NOW - timedelta(days=400)  # past every default but the audit trail's 1095 days
ANCIENT = NOW - timedelta(days=1200)
RECENT = NOW - timedelta(days=1)


def _seed(tenant: Callable[[], UnitOfWork]) -> dict[str, int]:
    s = shop(tenant, {("BER", "SKU-A"): 1})
    ids: dict[str, int] = {}
    with tenant() as uow:
        tid, sql = uow.tenant_id, uow.session

        def add(table: Any, name: str, **values: Any) -> int:
            row = sql.execute(insert(table).values(tenant_id=tid, **values).returning(table.c.id))
            ids[name] = int(row.scalar_one())
            return ids[name]

        def inbox(name: str, record: str, version: str, status: str, at: Any) -> int:
            return add(
                inbox_records,
                name,
                channel_id=s.channel_id,
                kind="order",
                external_id=record,
                version=version,
                source="poll",
                payload={"id": record},
                received_at=at,
                status=status,
            )

        inbox("a1", "A", "1", "processed", OLD)  # superseded and old: goes
        inbox("a2", "A", "2", "processed", OLD)  # the newest of A: stays, however old
        inbox("b1", "B", "1", "processed", OLD)  # an open error points at it: stays
        inbox("b2", "B", "2", "processed", RECENT)
        inbox("c1", "C", "1", "processed", OLD)  # replayed, error resolved long ago: both go
        inbox("c2", "C", "2", "processed", RECENT)
        inbox("d1", "D", "1", "pending", OLD)  # never processed: stays
        inbox("d2", "D", "2", "processed", RECENT)
        inbox("e1", "E", "1", "processed", RECENT)  # inside the window: stays
        inbox("e2", "E", "2", "processed", RECENT)
        error = {"channel_id": s.channel_id, "stage": "map", "record": "order", "reason": "x"}
        add(sync_errors, "open", inbox_id=ids["b1"], created_at=OLD, last_attempt_at=OLD, **error)
        add(
            sync_errors,
            "resolved",
            inbox_id=ids["c1"],
            created_at=OLD,
            last_attempt_at=OLD,
            resolved_at=OLD,
            **error,
        )
        event = {"topic": "stock.changed", "key": "k", "payload": {}, "created_at": OLD}
        add(outbox_events, "unsent", **event)  # old but never delivered: stays
        add(outbox_events, "sent_old", delivered_at=OLD, **event)
        add(outbox_events, "sent_recent", delivered_at=RECENT, **event)
        hook = {"channel_id": s.channel_id, "outcome": "accepted"}
        add(webhook_deliveries, "hook_old", received_at=OLD, **hook)
        add(webhook_deliveries, "hook_recent", received_at=RECENT, **hook)
        push = {"channel_id": s.channel_id, "version": 1, "quantity": 1, "source": "outbox"}
        add(push_deliveries, "push_old", outcome="accepted", delivered_at=OLD, **push)
        add(push_deliveries, "push_recent", outcome="accepted", delivered_at=RECENT, **push)
        trail = {"actor": "t", "action": "a", "target": "x"}
        add(audit_entries, "audit_ancient", at=ANCIENT, **trail)
        add(audit_entries, "audit_old", at=OLD, **trail)
        uow.commit()
    return ids


GONE = {"a1", "c1", "resolved", "sent_old", "hook_old", "push_old", "audit_ancient"}
TABLES = {
    "a1": inbox_records,
    "a2": inbox_records,
    "b1": inbox_records,
    "b2": inbox_records,
    "c1": inbox_records,
    "c2": inbox_records,
    "d1": inbox_records,
    "d2": inbox_records,
    "e1": inbox_records,
    "e2": inbox_records,
    "open": sync_errors,
    "resolved": sync_errors,
    "unsent": outbox_events,
    "sent_old": outbox_events,
    "sent_recent": outbox_events,
    "hook_old": webhook_deliveries,
    "hook_recent": webhook_deliveries,
    "push_old": push_deliveries,
    "push_recent": push_deliveries,
    "audit_ancient": audit_entries,
    "audit_old": audit_entries,
}


def _present(db: Database, ids: dict[str, int]) -> set[str]:
    with db.uow() as uow:
        return {
            name
            for name, table in TABLES.items()
            if uow.session.execute(select(table.c.id).where(table.c.id == ids[name])).first()
        }


def test_retention_deletes_only_what_nothing_needs(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    ids = _seed(tenant)
    settings = Settings(database_url=db.url)
    counted = retention.run(db.uow, settings, dry_run=True, now=NOW)
    assert _present(db, ids) == set(TABLES)  # a dry run deletes nothing
    deleted = retention.run(db.uow, settings, now=NOW)
    assert _present(db, ids) == set(TABLES) - GONE
    # Other tests' rows may be old too: ours are a lower bound of both counts.
    for table, mine in (
        ("inbox_records", 2),
        ("sync_errors", 1),
        ("outbox_events", 1),
        ("webhook_deliveries", 1),
        ("push_deliveries", 1),
        ("audit_entries", 1),
    ):
        assert counted[table] >= mine and deleted[table] >= mine, table
    assert retention.run(db.uow, settings, now=NOW)["inbox_records"] == 0  # nothing left


def test_an_age_of_zero_keeps_a_table_forever(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    ids = _seed(tenant)
    settings = Settings(database_url=db.url, retention_audit_days=0, retention_outbox_days=0)
    done = retention.run(db.uow, settings, now=NOW)
    assert "audit_entries" not in done and "outbox_events" not in done
    assert {"audit_ancient", "sent_old"} <= _present(db, ids)


def test_deletes_go_in_batches_until_nothing_is_left(
    db: Database, tenant: Callable[[], UnitOfWork], monkeypatch: Any
) -> None:
    ids = _seed(tenant)
    with tenant() as uow:
        uow.session.execute(
            insert(webhook_deliveries),
            [
                {
                    "tenant_id": uow.tenant_id,
                    "channel_id": uow.session.execute(
                        select(webhook_deliveries.c.channel_id).where(
                            webhook_deliveries.c.id == ids["hook_old"]
                        )
                    ).scalar_one(),
                    "outcome": "accepted",
                    "received_at": OLD,
                }
                for _ in range(7)
            ],
        )
        uow.commit()
    monkeypatch.setattr(retention, "BATCH", 3)
    done = retention.run(db.uow, Settings(database_url=db.url), now=NOW)
    assert done["webhook_deliveries"] >= 8
    assert "hook_recent" in _present(db, ids) and "hook_old" not in _present(db, ids)


def test_the_cli_dry_run_counts_and_deletes_nothing(
    db: Database, tenant: Callable[[], UnitOfWork], tmp_path: Any
) -> None:
    from tests.integration.test_cli import hub

    ids = _seed(tenant)
    done = hub(tmp_path, "retention", "run", "--dry-run", "--json", database_url=db.url)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["dry_run"] is True and answer["rows"]["inbox_records"] >= 2
    assert _present(db, ids) == set(TABLES)
