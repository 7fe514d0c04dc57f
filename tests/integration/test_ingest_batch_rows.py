"""The batch path writes new orders with Core INSERTs (hub.db.order_rows); the record at a
time path through the ORM. Both must leave the same rows behind, child tables included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, select

from connectors.base import RawRecord
from connectors.toolkit import parse_utc
from hub.db import tables as t
from hub.db.order_rows import insert_orders
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog, inbox, ingest
from hub.services.ingest_batch import process_batch
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.order_v2_setup import v2_order
from tests.integration.sync_setup import SyncShop, sync_shop

_CHILDREN = (t.order_lines, t.shipping_lines, t.tax_lines, t.discounts, t.payments, t.refunds)
_IDS = {"id", "order_id"}


def _rich_order(order_id: int) -> dict[str, Any]:
    """Every child a WooCommerce order can carry: lines (one unmapped), shipping, tax,
    coupon, a negative fee spread over the lines, a positive fee, a refund."""
    order = woo_order(order_id, "2026-11-01T10:00:00", [("SKU-A", 2), ("NOT-LISTED", 1)])
    for n, line in enumerate(order["line_items"]):
        line["id"] = 900 + n  # the same raw line in both orders
    order["shipping_lines"] = [{"method_title": "DHL", "method_id": "flat_rate", "total": "4.90"}]
    order["tax_lines"] = [
        {
            "rate_code": "DE-VAT",
            "tax_total": "3.80",
            "shipping_tax_total": "0.93",
            "rate_percent": 19,
        }
    ]
    order["coupon_lines"] = [{"code": "WELCOME"}]
    order["fee_lines"] = [
        {"name": "loyalty", "total": "-3.00"},
        {"name": "gift wrap", "total": "2.00"},
    ]
    order["refunds"] = [{"id": 55, "reason": "dented", "total": "-5.00"}]
    return order


def _archive(s: SyncShop, order: dict[str, Any]) -> list[int]:
    record = RawRecord("order", str(order["id"]), parse_utc(str(order["date_modified_gmt"])), order)
    with s.ctx.uow(s.tenant_id) as uow:
        ids = inbox.archive(uow.session, s.tenant_id, s.channel_id, [record], "poll")
        uow.commit()
    return ids


def _table_rows(uow: UnitOfWork, tables: tuple[Table, ...], order_id: int) -> dict[str, Any]:
    o = t.orders.c
    order = uow.session.execute(select(t.orders).where(o.id == order_id)).mappings().one()
    out: dict[str, Any] = {
        "orders": {k: v for k, v in order.items() if k not in {*_IDS, "external_id"}}
    }
    for table in tables:
        rows = uow.session.execute(
            select(table).where(table.c.order_id == order_id).order_by(table.c.id)
        ).mappings()
        out[table.name] = [{k: v for k, v in r.items() if k not in _IDS} for r in rows]
    return out


def _rows(s: SyncShop, order_id: int) -> dict[str, Any]:
    with s.shop.uow() as uow:
        return _table_rows(uow, _CHILDREN, order_id)


def test_a_batch_stores_an_order_row_for_row_as_the_orm_path_does(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 10})
    (batch,) = process_batch(s.ctx, s.tenant_id, _archive(s, _rich_order(1)))
    (inbox_id,) = _archive(s, _rich_order(2))
    single = ingest.process(s.ctx, s.tenant_id, inbox_id)
    assert (batch.result, single.result) == ("created", "created")
    assert batch.order_id is not None and single.order_id is not None
    batch_rows, single_rows = _rows(s, batch.order_id), _rows(s, single.order_id)
    assert all(batch_rows[table.name] for table in _CHILDREN)  # every child table is used
    assert batch_rows == single_rows


def test_core_inserts_store_every_v2_fact_as_the_orm_flush_does(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    """Unknown amounts, SKU-less lines, presentment money, fees, refund lines: the Core
    path must write the same NULLs and values as the ORM, in every v2 child table too."""
    channel = catalog.create_channel(tenant(), "shop-v2", "shopify", "USD")
    assert channel.id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        core = v2_order(uow.tenant_id, channel.id, "CORE-1")
        insert_orders(uow.session, [core])
        flushed = v2_order(uow.tenant_id, channel.id, "ORM-1")
        uow.orders.add(flushed)
        uow.commit()
    assert core.id is not None and flushed.id is not None
    tables = (*_CHILDREN, t.fee_lines, t.marketplace_fees)
    with tenant() as uow:
        core_rows, orm_rows = (_table_rows(uow, tables, i) for i in (core.id, flushed.id))
    assert all(core_rows[table.name] for table in tables)
    assert core_rows["order_lines"][1]["channel_sku"] is None
    assert core_rows["order_lines"][2]["unit_price_amount"] is None
    assert core_rows["refunds"][0]["restock"] is None
    assert core_rows == orm_rows
