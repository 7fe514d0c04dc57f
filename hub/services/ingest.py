"""Inbox record -> unified order: map, version-aware upsert, allocate.

Each step is idempotent, so processing a record twice (a redelivered task, a worker
killed half way, the same order by poll and by webhook) converges on one order and one
set of reservations:
- a record already processed or superseded is a no-op;
- a new order is inserted under the (channel, external id) unique key: a concurrent
  insert loses with an integrity error and continues as an update;
- an update only applies when its platform version is newer than the stored one (the
  order row is locked for the check), so an older update after a newer one changes
  nothing; a newer one applies each fact it carries that the hub has not applied yet
  (payments, refunds, shipments, cancellation, line edits: hub.services.order_changes);
- an update for an order the hub never saw is a new order only with its lines;
- allocation reconciles (allocating again is a no-op).
A record that fails mapping or validation is marked failed with an error naming the
record and the field; `hub errors replay` runs it again after the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from connectors.base import RetriableError
from connectors.errors import FatalConfigurationError
from connectors.registry import Registry, default_registry
from hub.db import tables as t
from hub.db.retry import Failure, db_failure
from hub.db.tables_sync import inbox_records, sync_errors
from hub.domain.errors import AlreadyExists, DomainError, InvalidValue, NotFound
from hub.domain.orders import Order, OrderStatus
from hub.services.allocation import ALLOCATABLE, allocate
from hub.services.inbox import FAILED, PENDING, PROCESSED, STALE, record_error, resolve_errors
from hub.services.order_changes import apply_update, has_deferred
from hub.services.orders import store_order
from hub.services.stock_statuses import hold_stock_per_status
from hub.services.storable import check_storable
from hub.services.sync_context import ChannelRef, SyncContext, load_channel
from mapping.mapper import Context
from mapping.traced import Trail, traced

__all__ = [
    "RETRY_LIMIT",
    "Outcome",
    "is_transient",
    "map_record",
    "process",
    "process_many",
    "replay",
    "require_whole",
    "retry_delay",
]

S = OrderStatus

# Transient failures of one record (database or platform away, deadlock) before it goes
# to the error queue; between them the record waits retry_delay(attempts).
RETRY_LIMIT = 6
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


# The platform has moved the order past payment: ready (or already shipping) there.
_PAST_PAYMENT = frozenset({S.READY, S.PARTIALLY_SHIPPED, S.SHIPPED, S.COMPLETED})


@dataclass(frozen=True)
class Outcome:
    inbox_id: int
    # created | updated | same | stale | failed | retrying | done (already processed)
    result: str
    order_id: int | None = None
    reason: str = ""


def map_record(
    channel: ChannelRef, payload: dict[str, Any], registry: Registry | None = None
) -> Order:
    """The record as the unified order, by the mapper of the connector registered under
    the channel's platform (connectors own their mappers; the hub names none)."""
    context = Context(
        channel.tenant_id,
        channel.id,
        channel.platform,
        channel.currency,
        extra={"channel_name": channel.name},
    )
    # Read through a trail: a shape the mapper did not foresee is still named by field
    # (the one it read last), not only by record.
    trail = Trail()
    try:
        mapper = (registry or default_registry).order_mapper(channel.platform)
        order: Order = mapper(traced(payload, trail), context)
    except FatalConfigurationError as exc:  # no such connector, or it brings no mapper
        where = f"channel {channel.name}"
        raise InvalidValue("platform", channel.platform, str(exc), record=where) from None
    except InvalidValue as exc:
        if exc.field not in ("", "record") or trail.last is None:
            raise
        raise InvalidValue(trail.last, exc.value, exc.reason, record=exc.record) from None
    except (TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        if trail.last is None:
            raise
        reason = f"is malformed: {type(exc).__name__}: {exc}"
        raise InvalidValue(trail.last, None, reason) from None
    hold_stock_per_status(order, channel.platform, channel.settings)
    return order


def process(ctx: SyncContext, tenant_id: int, inbox_id: int) -> Outcome:
    """Every record ends done, retrying (a transient failure, bounded, with backoff) or
    in the error queue (anything else, including a mapper's own bug): one bad record
    never stops its batch."""
    with ctx.uow(tenant_id) as uow:
        i = inbox_records.c
        row = uow.session.execute(
            select(i.id, i.channel_id, i.status, i.payload, i.external_id, i.attempts).where(
                i.id == inbox_id, i.tenant_id == tenant_id
            )
        ).first()
        if row is None:
            raise NotFound("inbox record", inbox_id)
        if row.status != PENDING:
            return Outcome(inbox_id, "done")
        channel = load_channel(uow.session, row.channel_id, tenant_id)
    stage = "map"
    try:
        order = map_record(channel, dict(row.payload))
        check_storable(order)
        stage = "store"
        result, order_id = _upsert(ctx, tenant_id, channel, order)
        if result in ("created", "updated", "same"):
            stage = "allocate"
            _allocate_if_ready(ctx, tenant_id, order_id)
        if result in ("updated", "same") and _settle(ctx, tenant_id, channel, order_id, order):
            _allocate_if_ready(ctx, tenant_id, order_id)
        stage = "store"
        _finish(ctx, tenant_id, inbox_id, STALE if result == "stale" else PROCESSED, order_id)
    except Exception as exc:  # classified below: retried with a bound, or queued
        if is_transient(exc) and row.attempts + 1 < RETRY_LIMIT:
            return _retry_later(ctx, tenant_id, inbox_id, row.attempts, exc)
        return _fail(ctx, tenant_id, channel, inbox_id, row.external_id, stage, exc)
    return Outcome(inbox_id, result, order_id)


def is_transient(exc: BaseException) -> bool:
    """Time fixes it (the database or the platform was away, a deadlock, a lock timeout);
    anything else is this record's own problem. The table is hub.db.retry's."""
    return db_failure(exc) is Failure.TRANSIENT or isinstance(exc, RetriableError)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th transient failure: 30 s doubling, at most 1 h."""
    return min(RETRY_BASE * (1 << min(max(attempts - 1, 0), 16)), RETRY_CAP)


def process_many(ctx: SyncContext, tenant_id: int, inbox_ids: Sequence[int]) -> list[Outcome]:
    """One record at a time: a failure is recorded and the rest of the batch goes on."""
    return [process(ctx, tenant_id, inbox_id) for inbox_id in inbox_ids]


def replay(ctx: SyncContext, tenant_id: int, error_id: int) -> Outcome:
    """Run a failed record again from its archived payload (after a mapping fix)."""
    with ctx.uow(tenant_id) as uow:
        e = sync_errors.c
        inbox_id = uow.session.execute(
            select(e.inbox_id).where(e.id == error_id, e.tenant_id == tenant_id)
        ).scalar()
        if inbox_id is None:
            raise NotFound("error", error_id)
        i = inbox_records.c
        uow.session.execute(
            update(inbox_records).where(i.id == inbox_id).values(status=PENDING, retry_at=None)
        )
        uow.commit()
    return process(ctx, tenant_id, inbox_id)


# ---- steps ---------------------------------------------------------------------------


def require_whole(order: Order) -> None:
    """An update for an order the hub never saw becomes a new order only when it carries
    what a new order needs (its lines): a trimmed body is refused, never half stored."""
    if not order.lines:
        raise InvalidValue(
            "line_items", [], "an order the hub does not know needs its lines", record=order.label
        )


def _existing(ctx: SyncContext, tenant_id: int, channel_id: int, external_id: str) -> Any:
    o = t.orders.c
    with ctx.uow(tenant_id) as uow:
        return uow.session.execute(
            select(o.id, o.platform_updated_at).where(
                o.channel_id == channel_id, o.external_id == external_id
            )
        ).first()


def _newer(incoming: datetime | None, stored: datetime | None) -> bool:
    # Without a platform version there is no order to respect: the latest arrival wins.
    return incoming is None or stored is None or incoming > stored


def _upsert(ctx: SyncContext, tenant_id: int, channel: ChannelRef, order: Order) -> tuple[str, int]:
    existing = _existing(ctx, tenant_id, channel.id, order.external_id)
    if existing is None:
        require_whole(order)
        try:
            stored = store_order(ctx.uow(tenant_id), channel.name, order)
            assert stored.id is not None
            return "created", stored.id
        except (AlreadyExists, IntegrityError):
            existing = _existing(ctx, tenant_id, channel.id, order.external_id)
            assert existing is not None, "insert lost to a writer that left no order"
    if order.platform_updated_at is not None and order.platform_updated_at == existing[1]:
        return "same", existing[0]
    return _update(ctx, tenant_id, channel, existing[0], order), existing[0]


def _update(
    ctx: SyncContext, tenant_id: int, channel: ChannelRef, order_id: int, incoming: Order
) -> str:
    o = t.orders.c
    with ctx.uow(tenant_id) as uow:
        # Lock the order row: concurrent updates of one order apply one after the other,
        # and the version check below sees the winner's version.
        stored_version = uow.session.execute(
            select(o.platform_updated_at).where(o.id == order_id).with_for_update()
        ).scalar()
        if not _newer(incoming.platform_updated_at, stored_version):
            return "stale"
        order = uow.orders.get(order_id)
        order.platform_updated_at = incoming.platform_updated_at
        order.customer_email = incoming.customer_email or order.customer_email
        order.customer_name = incoming.customer_name or order.customer_name
        order.ship_to = incoming.ship_to or order.ship_to
        target = incoming.status
        if order.status is S.PENDING_REVIEW and _line_key(order) == _line_key(incoming):
            _complete_amounts(order, incoming)
        if target in _PAST_PAYMENT and order.status is S.PENDING_REVIEW:
            order.transition(S.READY, None)  # paid on the channel: ready to allocate
        elif target in _PAST_PAYMENT and _held_by_channel_status(order):
            order.transition(order.resume_status or S.READY, None)  # the platform let go
            order.resume_status = None
        uow.session.flush()
        # Every other fact (payments, refunds, shipments, cancellation, line edits) once,
        # in this transaction; a refused update raises and nothing of it is applied.
        channel_row = uow.channels.get(channel.id)
        apply_update(uow, channel_row, order, incoming, actor=f"channel {channel.name}")
        uow.commit()
    return "updated"


_LINE_MONEY = ("marketplace_tax", "shipping", "shipping_tax", "shipping_discount",
               "amounts_known")  # fmt: skip
# financial_status is a fact of its own: hub.services.order_changes applies it.
_ORDER_MONEY = ("amounts_known", "marketplace_tax", "tax_remitted_by", "stated_totals",
                "prices_include_tax")  # fmt: skip


def _complete_amounts(order: Order, incoming: Order) -> None:
    """An order stored before it was paid may lack its prices (Amazon Pending orders carry
    none): while nothing was allocated or posted, take the amounts of the update."""
    by_key = {(line.external_id, line.channel_sku): line for line in incoming.lines}
    for line in order.lines:
        fresh = by_key.get((line.external_id, line.channel_sku))
        if fresh is not None:
            line.unit_price, line.discount, line.tax = fresh.unit_price, fresh.discount, fresh.tax
            for name in _LINE_MONEY:
                setattr(line, name, getattr(fresh, name))
    for name in _ORDER_MONEY:  # the order's money facts come with the lines' (v2)
        setattr(order, name, getattr(incoming, name))
    for shipping in incoming.shipping_lines:
        shipping.tenant_id = order.tenant_id
    for tax in incoming.tax_lines:
        tax.tenant_id = order.tenant_id
    order.shipping_lines = list(incoming.shipping_lines)
    order.tax_lines = list(incoming.tax_lines)


def _settle(
    ctx: SyncContext, tenant_id: int, channel: ChannelRef, order_id: int, incoming: Order
) -> bool:
    """The facts an update left for after the allocation (the platform shipped units the
    hub had not reserved yet: hub.services.order_changes), applied now from the fresh
    reservations. True when something was applied."""
    with ctx.uow(tenant_id) as uow:
        if not has_deferred(uow, order_id, incoming):
            return False
        order = uow.orders.get(order_id)
        channel_row = uow.channels.get(channel.id)
        changes = apply_update(
            uow, channel_row, order, incoming, actor=f"channel {channel.name}", settle=True
        )
        uow.commit()
    return not changes.nothing


def _held_by_channel_status(order: Order) -> bool:
    """On hold only because the platform's status said so (mapping.statuses)."""
    reason = order.status_reason or ""
    return order.status is S.ON_HOLD and reason.startswith("channel status ") and "; " not in reason


def _line_key(order: Order) -> list[tuple[str, int]]:
    return sorted((line.mapping_key or "", line.quantity) for line in order.lines)


def _allocate_if_ready(ctx: SyncContext, tenant_id: int, order_id: int) -> None:
    with ctx.uow(tenant_id) as uow:
        status = uow.session.execute(
            select(t.orders.c.status).where(t.orders.c.id == order_id)
        ).scalar()
    if status in ALLOCATABLE:
        allocate(ctx.uow(tenant_id), order_id, actor="sync")


def _finish(
    ctx: SyncContext, tenant_id: int, inbox_id: int, status: str, order_id: int | None
) -> None:
    with ctx.uow(tenant_id) as uow:
        i = inbox_records.c
        uow.session.execute(
            update(inbox_records)
            .where(i.id == inbox_id)
            .values(
                status=status, order_id=order_id, processed_at=ctx.clock(), attempts=i.attempts + 1
            )
        )
        resolve_errors(uow.session, inbox_id)
        uow.commit()


def _retry_later(
    ctx: SyncContext, tenant_id: int, inbox_id: int, attempts: int, exc: Exception
) -> Outcome:
    """Still pending, one attempt more, due again after the backoff (the reaper
    re-enqueues it then). RETRY_LIMIT transient failures send it to the error queue."""
    due = ctx.clock() + retry_delay(attempts + 1)
    with ctx.uow(tenant_id) as uow:
        i = inbox_records.c
        uow.session.execute(
            update(inbox_records)
            .where(i.id == inbox_id)
            .values(attempts=i.attempts + 1, retry_at=due)
        )
        uow.commit()
    return Outcome(inbox_id, "retrying", None, describe(exc))


def describe(exc: BaseException) -> str:
    """The exception's type and first line; a database error without its SQL (the
    statement's parameters would repeat the payload, which is archived anyway)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _field_of(exc: BaseException) -> str:
    field = getattr(exc, "field", None)
    if field:
        return str(field)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    diag = getattr(getattr(exc, "orig", None), "diag", None)  # PostgreSQL names a column
    return str(getattr(diag, "column_name", None) or "")


def _fail(
    ctx: SyncContext,
    tenant_id: int,
    channel: ChannelRef,
    inbox_id: int,
    external_id: str,
    stage: str,
    exc: Exception,
) -> Outcome:
    field = _field_of(exc)
    record = getattr(exc, "record", None) or f"{channel.platform} order {external_id}"
    if isinstance(exc, KeyError):
        reason = "missing"
    elif isinstance(exc, DomainError):
        reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    else:  # unexpected: say what broke, so the operator can tell a bug from bad data
        reason = describe(exc)
        if is_transient(exc):
            reason = f"gave up after {RETRY_LIMIT} transient failures: {reason}"
    with ctx.uow(tenant_id) as uow:
        i = inbox_records.c
        uow.session.execute(
            update(inbox_records)
            .where(i.id == inbox_id)
            .values(status=FAILED, attempts=i.attempts + 1, retry_at=None)
        )
        record_error(
            uow.session,
            tenant_id,
            channel.id,
            inbox_id,
            stage,
            str(record),
            str(field),
            str(reason),
        )
        uow.commit()
    return Outcome(inbox_id, "failed", None, f"{record}: {field}: {reason}")
