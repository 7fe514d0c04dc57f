"""Micro-batched intake: one channel's pending inbox records, a batch at a time.

A webhook archives and acknowledges; the records wait as pending until the channel's
intake run (hub.services.runs) claims up to `intake_batch_size` of them and hands them to
the batch ingest path (hub.services.ingest_batch: map all, store the new orders in one
transaction, allocate them in one transaction per page). A record that breaks the batch
(an error the batch path does not expect) does not fail the others: the batch is taken
again one record at a time, and the record that still breaks goes to the error queue
with its reason, its payload archived for a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError

from hub.db.tables_sync import inbox_records
from hub.services.inbox import FAILED, PENDING, record_error
from hub.services.ingest import Outcome, process
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import SyncContext

__all__ = ["IntakeBatch", "claim", "ingest_isolated", "take_batch"]


@dataclass(frozen=True)
class IntakeBatch:
    outcomes: list[Outcome]
    more: bool  # pending records were left past the batch bound

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "failed")


def claim(ctx: SyncContext, tenant_id: int, channel_id: int, limit: int) -> list[int]:
    """The channel's oldest pending records that are due, those never tried first (a
    record that keeps failing sorts last, so it cannot hold the batch's head)."""
    i = inbox_records.c
    with ctx.uow(tenant_id) as uow:
        return list(
            uow.session.execute(
                select(i.id)
                .where(
                    i.channel_id == channel_id,
                    i.tenant_id == tenant_id,
                    i.status == PENDING,
                    # A record a transient failure put back waits for its retry time.
                    or_(i.retry_at.is_(None), i.retry_at <= ctx.clock()),
                )
                .order_by(i.attempts, i.id)
                .limit(limit)
            ).scalars()
        )


def take_batch(ctx: SyncContext, tenant_id: int, channel_id: int) -> IntakeBatch:
    """Ingest one batch of the channel's pending records."""
    size = ctx.settings.intake_batch_size
    ids = claim(ctx, tenant_id, channel_id, size + 1)
    batch = ids[:size]
    outcomes = ingest_isolated(ctx, tenant_id, batch)
    if len(ids) <= size:
        return IntakeBatch(outcomes, more=False)
    # More only if this batch moved something: records left pending (retrying with a
    # bound) must not make the run requeue itself for ever.
    i = inbox_records.c
    with ctx.uow(tenant_id) as uow:
        still = uow.session.execute(
            select(func.count()).where(i.id.in_(batch), i.status == PENDING)
        ).scalar_one()
    return IntakeBatch(outcomes, more=still < len(batch))


def ingest_isolated(ctx: SyncContext, tenant_id: int, inbox_ids: Sequence[int]) -> list[Outcome]:
    """The batch path; if the batch breaks, record by record, so one bad record fails alone.
    A database that went away is not a bad record: that is raised for the queue to retry."""
    if not inbox_ids:
        return []
    try:
        return process_batch(ctx, tenant_id, inbox_ids)
    except OperationalError:
        raise
    except Exception:  # which record broke it is found one by one below
        outcomes: list[Outcome] = []
        for inbox_id in inbox_ids:
            try:
                outcomes.append(process(ctx, tenant_id, inbox_id))
            except OperationalError:
                raise
            except Exception as exc:  # that record goes to the error queue
                outcomes.append(_quarantine(ctx, tenant_id, inbox_id, exc))
        return outcomes


def _quarantine(ctx: SyncContext, tenant_id: int, inbox_id: int, exc: Exception) -> Outcome:
    i = inbox_records.c
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    with ctx.uow(tenant_id) as uow:
        row = uow.session.execute(
            select(i.channel_id, i.kind, i.external_id).where(i.id == inbox_id)
        ).one()
        uow.session.execute(
            update(inbox_records)
            .where(i.id == inbox_id)
            .values(status=FAILED, attempts=i.attempts + 1)
        )
        what = f"{row.kind} {row.external_id} (inbox record {inbox_id})"
        record_error(uow.session, tenant_id, row.channel_id, inbox_id, "ingest", what, "", reason)
        uow.commit()
    return Outcome(inbox_id, "failed", None, f"{what}: {reason}")
