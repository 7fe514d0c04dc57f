"""Retention: the append-mostly tables that grow with traffic (the inbox archive, webhook
and push delivery records, delivered outbox events, the audit trail) lose their rows
older than a per-table age, in small batches, and never a row something still needs:

- inbox records: only `processed` or `stale` ones, only if a newer version of the same
  platform record is archived (the newest payload of every record stays: replay, the
  order's raw view and the out-of-order check read it), and never one an unresolved
  error points at. Errors resolved before the cutoff go first (they point at records).
- outbox events: only delivered ones; an unsent event is never touched, however old.
- notification deliveries: only sent or failed ones; notifications: only once none of
  their deliveries is left (a notification is the dedupe of its occurrence: an overdue
  order still not shipped after the window is notified again, a reminder).
- webhook and push deliveries, audit entries: by age alone (platforms retry a webhook
  for hours, not weeks, so an old dedupe key guards nothing).

An age of 0 keeps the table forever. `hub retention run [--dry-run]` and the daily beat
entry (hub/tasks_retention.py) call `run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, select
from sqlalchemy.orm import aliased

from hub.config import Settings
from hub.db.tables_allocation import outbox_events
from hub.db.tables_notifications import notification_deliveries, notifications
from hub.db.tables_operator import audit_entries
from hub.db.tables_sync import inbox_records, push_deliveries, sync_errors, webhook_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow

__all__ = ["BATCH", "Policy", "policies", "run"]

BATCH = 5000  # rows per delete: short transactions, no long lock on a busy table


@dataclass(frozen=True)
class Policy:
    table: Table
    days: int
    # What makes a row deletable once it is older than `days`.
    deletable: Any  # Callable[[datetime], list[ColumnElement[bool]]]


def _inbox(cutoff: datetime) -> list[ColumnElement[bool]]:
    i, e = inbox_records.c, sync_errors.c
    newer = aliased(inbox_records)
    return [
        i.received_at < cutoff,
        i.status.in_(("processed", "stale")),
        exists().where(
            newer.c.channel_id == i.channel_id,
            newer.c.kind == i.kind,
            newer.c.external_id == i.external_id,
            newer.c.id > i.id,
        ),
        # No error points at it but one resolved before the cutoff (deleted just before).
        ~exists().where(e.inbox_id == i.id, ~and_(*_resolved_errors(cutoff))),
    ]


def _resolved_errors(cutoff: datetime) -> list[ColumnElement[bool]]:
    return [sync_errors.c.resolved_at.is_not(None), sync_errors.c.resolved_at < cutoff]


def policies(settings: Settings) -> list[Policy]:
    """In order: resolved errors before the inbox records they point at."""
    return [
        Policy(sync_errors, settings.retention_inbox_days, _resolved_errors),
        Policy(inbox_records, settings.retention_inbox_days, _inbox),
        Policy(
            webhook_deliveries,
            settings.retention_webhook_days,
            lambda cutoff: [webhook_deliveries.c.received_at < cutoff],
        ),
        Policy(
            push_deliveries,
            settings.retention_push_days,
            lambda cutoff: [push_deliveries.c.delivered_at < cutoff],
        ),
        Policy(
            outbox_events,
            settings.retention_outbox_days,
            lambda cutoff: [
                outbox_events.c.delivered_at.is_not(None),
                outbox_events.c.delivered_at < cutoff,
            ],
        ),
        Policy(
            audit_entries,
            settings.retention_audit_days,
            lambda cutoff: [audit_entries.c.at < cutoff],
        ),
        # Finished deliveries, then the notifications none of whose deliveries is left.
        Policy(
            notification_deliveries,
            settings.retention_notification_days,
            lambda cutoff: [
                notification_deliveries.c.status.in_(("sent", "failed")),
                notification_deliveries.c.created_at < cutoff,
            ],
        ),
        Policy(notifications, settings.retention_notification_days, _notifications),
    ]


def _notifications(cutoff: datetime) -> list[ColumnElement[bool]]:
    n, d = notifications.c, notification_deliveries.c
    return [n.created_at < cutoff, ~exists().where(d.notification_id == n.id)]


def run(
    uow_factory: Any,
    settings: Settings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Rows deleted per table (with `dry_run`: the rows that would be). `uow_factory()`
    opens a unit of work over every tenant; each batch commits on its own."""
    moment = now or utcnow()
    done: dict[str, int] = {}
    for policy in policies(settings):
        if policy.days <= 0:
            continue
        where = policy.deletable(moment - timedelta(days=policy.days))
        done[policy.table.name] = (
            _count(uow_factory, policy.table, where)
            if dry_run
            else _delete(uow_factory, policy.table, where)
        )
    return done


def _count(uow_factory: Any, table: Table, where: list[ColumnElement[bool]]) -> int:
    uow: UnitOfWork = uow_factory()
    with uow:
        return int(uow.session.execute(select(func.count()).where(*where)).scalar_one())


def _delete(uow_factory: Any, table: Table, where: list[ColumnElement[bool]]) -> int:
    total = 0
    while True:
        uow: UnitOfWork = uow_factory()
        with uow:
            # The oldest BATCH ids as a subquery (no id list sent back as parameters);
            # correlate(None): its table is its own, not the DELETE's.
            ids = select(table.c.id).where(*where).order_by(table.c.id).limit(BATCH)
            result: Any = uow.session.execute(
                delete(table).where(table.c.id.in_(ids.correlate(None).scalar_subquery()))
            )
            uow.commit()
        deleted = int(result.rowcount)
        total += deleted
        if deleted < BATCH:
            return total
