"""Bad values the fuzz suite found ending in the error queue without a field (a bare
InvalidOperation, AttributeError, TypeError from a mapper, or a database error when the
order was stored): each is now refused naming the record and the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from hub.db.tables_sync import sync_errors
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.services.ingest import map_record
from hub.services.storable import check_storable
from hub.services.sync_context import ChannelRef
from tests.conftest import Database
from tests.robustness.harness import build_world, sample

Change = Callable[[dict[str, Any]], Any]


def _line(platform: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    key = {"woocommerce": ("line_items",), "shopify": ("lineItems", "nodes"),
           "medusa": ("items",)}[platform]  # fmt: skip

    def first(doc: dict[str, Any]) -> dict[str, Any]:
        for step in key:
            doc = doc[step]
        return doc[0]  # type: ignore[index]

    return first


CASES: list[tuple[str, Change, str]] = [
    # a mapper meeting a shape it did not foresee (was field "record" or none)
    ("woocommerce", lambda d: d.update(billing="x"), "billing"),
    ("shopify", lambda d: d.update(customer=5), "customer"),
    ("medusa", lambda d: _line("medusa")(d).update(tax_lines=7), "items[0].tax_lines"),
    ("ebay", lambda d: d.update(cancelStatus="x"), "cancelStatus"),
    ("woocommerce", lambda d: d.update(line_items=[1.5]), "line_items[0]"),
    # an amount too large to round (was a bare decimal.InvalidOperation)
    ("woocommerce", lambda d: _line("woocommerce")(d).update(total="1e400"), "total"),
    ("shopify", lambda d: d["totalPriceSet"]["shopMoney"].update(amount="1e400"),
     "totalPriceSet.shopMoney.amount"),
    ("amazon", lambda d: d.update(OrderTotal={"CurrencyCode": "USD", "Amount": "1e400"}),
     "OrderTotal.Amount"),
    # a SKU that is not text (was a TypeError comparing lines when the order was stored)
    ("woocommerce", lambda d: _line("woocommerce")(d).update(sku=[1]), "sku"),
    ("shopify", lambda d: _line("shopify")(d).update(sku={"a": 1}), "channel_sku"),
    # what the database cannot hold (was a database error naming no field)
    ("woocommerce", lambda d: d["billing"].update(first_name="\ud800"), "order.customer_name"),
    ("woocommerce", lambda d: d["billing"].update(last_name="A\x00B"), "order.customer_name"),
]  # fmt: skip


@pytest.mark.parametrize(("platform", "change", "field"), CASES)
def test_a_bad_value_is_refused_naming_the_record_and_the_field(
    platform: str, change: Change, field: str
) -> None:
    doc = sample(platform, 3)
    change(doc)
    with pytest.raises(InvalidValue) as refused:
        order = map_record(ChannelRef(1, 1, platform, platform, "USD", {}), doc)
        check_storable(order)
    assert refused.value.field == field


def test_an_amount_too_large_to_round_is_refused_by_name_not_a_decimal_error() -> None:
    with pytest.raises(InvalidValue, match="out of range"):
        Money(Money.of("1", "USD").amount * 10**40, "USD").rounded()


def test_a_large_integer_inside_a_lines_raw_record_is_storable_json() -> None:
    doc = sample("woocommerce", 3)
    doc["line_items"][0]["product_id"] = 10**30
    check_storable(map_record(ChannelRef(1, 1, "w", "woocommerce", "USD", {}), doc))


def test_an_order_the_database_cannot_hold_is_queued_naming_the_field(db: Database) -> None:
    """A lone surrogate survives the archive (a NUL is escaped there) and reaches the
    order's name: no driver can encode it."""
    world = build_world(db.url)
    doc = sample("woocommerce", world.next_number())
    doc["billing"]["first_name"] = "\ud800"
    world.ingest("woocommerce", [doc])
    assert world.check().clean
    e = sync_errors.c
    with world.ctx.uow(world.tenant_id) as uow:
        errors = uow.session.execute(
            select(e.record, e.field).where(e.tenant_id == world.tenant_id)
        ).all()
    assert (f"woocommerce order {doc['id']}", "order.customer_name") in [
        tuple(row) for row in errors
    ]


def test_a_text_longer_than_its_column_is_queued_naming_the_field(db: Database) -> None:
    """PostgreSQL refuses it (StringDataRightTruncation, naming no field); SQLite would
    keep it: both now refuse it by name before the write."""
    world = build_world(db.url)
    doc = sample("woocommerce", world.next_number())
    doc["billing"]["email"] = "x" * 5000 + "@example.com"
    world.ingest("woocommerce", [doc])
    assert world.check().clean
    e = sync_errors.c
    with world.ctx.uow(world.tenant_id) as uow:
        errors = uow.session.execute(
            select(e.field, e.reason).where(e.tenant_id == world.tenant_id, e.stage == "map")
        ).all()
    (field, reason), *_ = errors
    assert field == "order.customer_email" and reason.startswith("longer than")


def test_a_list_where_a_single_value_belongs_is_refused_naming_the_field(db: Database) -> None:
    """A mapper passing a platform's list through to a plain column failed the write
    (SQLite: "type 'list' is not supported"), naming no field."""
    build_world(db.url)  # the ORM is mapped: the columns are known
    doc = sample("ebay", 3)
    order = map_record(ChannelRef(1, 1, "e", "ebay", "USD", {}), doc)
    order.customer_email = ["x@example.com"]  # type: ignore[assignment]
    with pytest.raises(InvalidValue) as refused:
        check_storable(order)
    assert refused.value.field == "order.customer_email"
