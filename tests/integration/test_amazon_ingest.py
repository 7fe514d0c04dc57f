"""Amazon orders through the sync engine on real databases: an AFN order never reserves
hub stock, an MFN one does; a Pending order waits without prices and is allocated once
its update brings them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update

from connectors.base import RawRecord
from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import listings
from hub.services.dispatch import InlineDispatcher
from hub.services.inbox import archive
from hub.services.sync_context import RegistryConnectors, SyncContext
from tests.conftest import Database
from tests.contract import amazon_docs as docs
from tests.integration.alloc_setup import shop


def ingest(db: Database, tenant_id: int, channel_id: int, payload: dict[str, object]) -> None:
    ctx = SyncContext(db.session_factory, RegistryConnectors())
    stamp = datetime.fromisoformat(str(payload["LastUpdateDate"]).replace("Z", "+00:00"))
    record = RawRecord("order", str(payload["AmazonOrderId"]), stamp.astimezone(UTC), payload)
    with ctx.uow(tenant_id) as uow:
        ids = archive(uow.session, tenant_id, channel_id, [record], "poll")
        uow.commit()
    InlineDispatcher(ctx).process_inbox(tenant_id, ids)


def test_afn_orders_leave_hub_stock_alone_and_pending_ones_wait(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = shop(tenant, {("BER", "TENT-2P"): 10})
    with tenant() as uow:
        tenant_id = uow.tenant_id
        uow.session.execute(
            update(t.channels)
            .where(t.channels.c.id == s.channel_id)
            .values(platform="amazon", currency="USD")
        )
        uow.commit()
    assert tenant_id is not None
    listings.link_listing(tenant(), "web", "TENT-2P", "TENT-2P")
    ingest(
        db,
        tenant_id,
        s.channel_id,
        docs.order(1, "Unshipped", "AFN", OrderItems=[docs.item(1, qty=4)]),
    )
    assert s.level("BER", "TENT-2P") == (10, 0)
    mfn = docs.order(7, "Unshipped", OrderItems=[docs.item(7, qty=2)])
    ingest(db, tenant_id, s.channel_id, mfn)
    assert s.level("BER", "TENT-2P") == (10, 2)  # the same SKU, merchant-fulfilled: reserved
    pending = docs.order(2, "Pending", OrderItems=[docs.item(2, qty=3, price=None)])
    ingest(db, tenant_id, s.channel_id, pending)
    assert s.level("BER", "TENT-2P") == (10, 2)
    paid = docs.order(
        2,
        "Unshipped",
        LastUpdateDate="2025-01-02T11:00:00Z",
        OrderItems=[docs.item(2, qty=3, price="72.00")],
    )
    ingest(db, tenant_id, s.channel_id, paid)
    assert s.level("BER", "TENT-2P") == (10, 5)
    with tenant() as uow:
        o = t.orders.c
        order_id = uow.session.execute(
            select(o.id).where(o.external_id == "902-3159896-0000002")
        ).scalar_one()
        order = uow.orders.get(order_id)
        assert order.lines[0].unit_price == Money.of("24.00", "USD")
        assert order.grand_total == Money.of("77.00", "USD")  # 72 + 5 shipping
        assert order.unknown_amounts() == []  # the update stated what Pending lacked
