"""Bad Amazon, eBay and Medusa input through the real pull: each record ends in the error
queue with a reason naming the order and the field, nothing of it is stored, and its raw
payload stays archived for a replay."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from tests.conftest import Database
from tests.golden import cases
from tests.golden.pulls import pull_into

BY_ID = {c.id: c for platform in ("amazon", "ebay", "medusa") for c in cases.load(platform)}


def _items(payload: dict[str, Any]) -> list[Any]:
    items: list[Any] = payload["OrderItemsPages"][0]["payload"]["OrderItems"]
    return items


def _set(where: Callable[[dict[str, Any]], Any], key: Any, value: Any) -> Callable[[Any], None]:
    def change(payload: dict[str, Any]) -> None:
        where(payload)[key] = value

    return change


BROKEN = [
    # (case, change, the order it names, the field it names)
    ("amazon/sandbox-us-unshipped", _set(_items, 0, "not an object"),
     "amazon order 902-1845936-5435065", "OrderItems[0]"),
    ("amazon/sandbox-us-unshipped", _set(lambda p: _items(p)[0], "ItemPrice", "10.00"),
     "amazon order 902-1845936-5435065", "ItemPrice"),
    ("amazon/sandbox-us-unshipped", _set(lambda p: _items(p)[0], "QuantityOrdered", 1.5),
     "amazon order 902-1845936-5435065", "item 05015851154158.QuantityOrdered"),
    ("amazon/sandbox-us-unshipped",
     _set(lambda p: _items(p)[0]["ItemTax"], "CurrencyCode", "EUR"),
     "amazon order 902-1845936-5435065", "ItemTax.CurrencyCode"),
    ("ebay/single-line-paid", _set(lambda p: p["lineItems"], 0, "not an object"),
     "ebay order 01-10001-20001", "lineItems[0]"),
    ("ebay/single-line-paid", _set(lambda p: p["pricingSummary"], "deliveryCost", "5.00"),
     "ebay order 01-10001-20001", "pricingSummary.deliveryCost"),
    ("ebay/single-line-paid", _set(lambda p: p["lineItems"][0], "quantity", "1"),
     "ebay order 01-10001-20001", "line 100000000001.quantity"),
    ("medusa/peer-order-tax-inclusive-eur", _set(lambda p: p["items"], 1, 7),
     "medusa order order_01M80MANKQG4NVX642YSPPCG7H", "items[1]"),
    ("medusa/peer-order-tax-inclusive-eur",
     _set(lambda p: p["shipping_methods"][0], "amount", "four ninety"),
     "medusa order order_01M80MANKQG4NVX642YSPPCG7H", "amount"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "change", "order", "field"), BROKEN, ids=[f"{b[0]}-{b[3]}" for b in BROKEN]
)
def test_a_broken_record_lands_in_the_error_queue_naming_order_and_field(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    name: str,
    change: Callable[[Any], None],
    order: str,
    field: str,
) -> None:
    payload = copy.deepcopy(BY_ID[name].payload)
    change(payload)
    broken = dataclasses.replace(BY_ID[name], payload=payload)
    with tenant() as uow:
        tenant_id = uow.tenant_id
    assert tenant_id is not None
    channel_id = pull_into(db.session_factory, tenant_id, broken, checked=False)
    with tenant() as uow:
        e, i = sync_errors.c, inbox_records.c
        reasons = uow.session.execute(
            select(e.stage, e.record, e.field, e.reason).where(e.channel_id == channel_id)
        ).all()
        assert [(r.stage, r.record, r.field) for r in reasons] == [("map", order, field)]
        assert reasons[0].reason
        stored = uow.session.execute(
            select(t.orders.c.id).where(t.orders.c.channel_id == channel_id)
        ).all()
        assert stored == []  # nothing half-stored
        archived = uow.session.execute(
            select(i.status, i.payload).where(i.channel_id == channel_id)
        ).one()
        assert archived.status == "failed" and archived.payload != {}
