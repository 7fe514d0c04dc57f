"""Batch ingest: many inbox records in a handful of transactions.

The fast path covers the common case, orders the hub has never seen: map them all,
store them in one transaction, allocate them with `allocate_batch`, then mark their
inbox records. Everything else (updates of stored orders, a batch that loses an insert
race) goes through the record-at-a-time path in hub.services.ingest, which holds the
version rules. Both paths are idempotent, so a crash between the steps is healed by
processing the records again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update

from hub.db import tables as t
from hub.db.order_rows import insert_orders
from hub.db.tables_sync import inbox_records
from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import Order
from hub.services.allocation import ALLOCATABLE, allocate_batch
from hub.services.inbox import PENDING, PROCESSED
from hub.services.ingest import Outcome, map_record, process
from hub.services.orders import ListingLookups, prepare_order
from hub.services.storable import check_storable
from hub.services.sync_context import ChannelRef, SyncContext, load_channel

__all__ = ["process_batch"]

# Orders per allocation transaction: a whole page. With two workers on the same SKUs,
# taking the balance locks once per page of 200 beats twice per 100 (bench.ingest on
# PostgreSQL, interleaved runs: median 1,615 vs 1,402 orders/s); the locks are held
# for one page's allocation, tens of milliseconds, far below the lock timeout.
ALLOCATE_CHUNK = 200


@dataclass
class _Item:
    inbox_id: int
    channel: ChannelRef
    external_id: str
    payload: dict[str, Any]
    order: Order | None = None


def process_batch(ctx: SyncContext, tenant_id: int, inbox_ids: Sequence[int]) -> list[Outcome]:
    items = _load(ctx, tenant_id, inbox_ids)
    fresh, slow = _split(ctx, tenant_id, items)
    outcomes: list[Outcome] = []
    if fresh:
        try:
            stored = _store(ctx, tenant_id, fresh)
        except Exception:  # a race or one bad record: the careful path
            # takes each record alone, so a bad one is isolated and classified there
            # (retried if transient, else queued with its reason) and the rest go on.
            slow += fresh
        else:
            outcomes += _allocate_and_finish(ctx, tenant_id, fresh, stored)
    outcomes += [process(ctx, tenant_id, item.inbox_id) for item in slow]
    order = {inbox_id: n for n, inbox_id in enumerate(inbox_ids)}
    return sorted(outcomes, key=lambda o: order.get(o.inbox_id, len(order)))


def _load(ctx: SyncContext, tenant_id: int, inbox_ids: Sequence[int]) -> list[_Item]:
    i = inbox_records.c
    with ctx.uow(tenant_id) as uow:
        rows = uow.session.execute(
            select(i.id, i.channel_id, i.external_id, i.payload).where(
                i.tenant_id == tenant_id, i.id.in_(list(inbox_ids)), i.status == PENDING
            )
        ).all()
        channels = {
            c: load_channel(uow.session, c, tenant_id) for c in {r.channel_id for r in rows}
        }
    return [_Item(r.id, channels[r.channel_id], r.external_id, dict(r.payload)) for r in rows]


def _split(ctx: SyncContext, tenant_id: int, items: list[_Item]) -> tuple[list[_Item], list[_Item]]:
    """(new orders for the fast path, records for the careful path)."""
    slow: list[_Item] = []
    mapped: list[_Item] = []
    for item in items:
        try:
            item.order = map_record(item.channel, item.payload)
            check_storable(item.order)
            mapped.append(item)
        except Exception:  # a mapper's bug is this record's, not the batch's
            slow.append(item)  # the careful path records the error with its reason
    o = t.orders.c
    keys = {(item.channel.id, item.external_id) for item in mapped}
    known: set[tuple[int, str]] = set()
    if keys:
        # Channels and ids rather than a (channel, id) tuple IN: half the parameters,
        # the same unique index; pairs from another channel are dropped by `& keys`.
        with ctx.uow(tenant_id) as uow:
            rows = uow.session.execute(
                select(o.channel_id, o.external_id).where(
                    o.channel_id.in_(sorted({key[0] for key in keys})),
                    o.external_id.in_(sorted({key[1] for key in keys})),
                )
            )
            known = {(r.channel_id, r.external_id) for r in rows} & keys
    newest: dict[tuple[int, str], _Item] = {}
    for item in mapped:
        key = (item.channel.id, item.external_id)
        if key in known or not (item.order and item.order.lines):  # updates; an order
            slow.append(item)  # without lines is refused there (require_whole)
            continue
        other = newest.get(key)
        if other is None or _version(item) > _version(other):
            newest[key] = item
            if other is not None:
                slow.append(other)  # older version in the same batch: found stale later
        else:
            slow.append(item)
    return list(newest.values()), slow


def _version(item: _Item) -> str:
    assert item.order is not None
    stamp = item.order.platform_updated_at
    return stamp.isoformat() if stamp else ""


def _store(ctx: SyncContext, tenant_id: int, fresh: list[_Item]) -> dict[int, int]:
    """Insert every new order in one transaction; inbox id -> order id."""
    with ctx.uow(tenant_id) as uow:
        channels = {}
        lookups = _prefetch_listings(uow, fresh)
        orders = []
        for item in fresh:
            if item.channel.id not in channels:
                channels[item.channel.id] = uow.channels.get(item.channel.id)
            assert item.order is not None
            prepare_order(
                uow, channels[item.channel.id], item.order, lookups=lookups, known_new=True
            )
            orders.append(item.order)
        # Core INSERTs, one per table for the batch: the external ids were checked by
        # _split, and a race ends in IntegrityError here or at commit.
        insert_orders(uow.session, orders)
        uow.commit()
    return {item.inbox_id: int(item.order.id) for item in fresh if item.order and item.order.id}


def _prefetch_listings(uow: UnitOfWork, fresh: list[_Item]) -> ListingLookups:
    """Every listing the batch's lines name, in one query (not one per channel SKU)."""
    wanted = {
        (item.channel.id, line.mapping_key)
        for item in fresh
        if item.order is not None
        for line in item.order.lines
        if line.mapping_key is not None
    }
    lookups = ListingLookups()
    if not wanted:
        return lookups
    lc = t.listings.c
    rows = uow.session.execute(
        select(lc.channel_id, lc.channel_sku, lc.id, lc.sku_id).where(
            tuple_(lc.channel_id, lc.channel_sku).in_(list(wanted))
        )
    ).all()
    found = {(r.channel_id, r.channel_sku): (r.id, r.sku_id) for r in rows}
    for channel_id, sku in wanted:
        known = lookups.listings.setdefault(channel_id, {})
        known[sku] = found.get((channel_id, sku), (None, None))
    return lookups


def _allocate_and_finish(
    ctx: SyncContext, tenant_id: int, fresh: list[_Item], stored: dict[int, int]
) -> list[Outcome]:
    ready = [
        stored[item.inbox_id]
        for item in fresh
        if item.order is not None and item.order.status in ALLOCATABLE
    ]
    # Allocation in transactions of ALLOCATE_CHUNK orders: bounded lock holds, few commits.
    try:
        for start in range(0, len(ready), ALLOCATE_CHUNK):
            allocate_batch(ctx.uow(tenant_id), ready[start : start + ALLOCATE_CHUNK], actor="sync")
    except Exception:  # one order refused: allocate each alone instead
        # The orders are stored; the careful path finds each one unchanged ("same"),
        # allocates it alone (again a no-op where done) and queues only the bad one.
        return [process(ctx, tenant_id, item.inbox_id) for item in fresh]
    i = inbox_records.c
    with ctx.uow(tenant_id) as uow:
        uow.session.execute(
            update(inbox_records)
            .where(i.id == bindparam("b_id"))
            .values(
                status=PROCESSED,
                order_id=bindparam("b_order"),
                processed_at=ctx.clock(),
                attempts=i.attempts + 1,
            ),
            [{"b_id": item.inbox_id, "b_order": stored[item.inbox_id]} for item in fresh],
            execution_options={"synchronize_session": False},
        )
        uow.commit()
    return [Outcome(item.inbox_id, "created", stored[item.inbox_id]) for item in fresh]
