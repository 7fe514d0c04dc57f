"""The database itself refuses writes that break an invariant, whatever code sends them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from hub.domain.inventory import Reservation
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine
from hub.services import catalog
from tests.integration.factories import UowFactory, workspace


def _order(uow_factory: UowFactory, channel_id: int, external_id: str) -> Order:
    with uow_factory() as uow:
        assert uow.tenant_id is not None
        order = Order(
            uow.tenant_id, channel_id, external_id, "EUR", datetime(2026, 3, 1, tzinfo=UTC)
        )
        order.add_line(OrderLine("TENT", 2, Money.of("99.00", "EUR"), tenant_id=uow.tenant_id))
        uow.orders.add(order)
        uow.commit()
        return order


def test_the_same_external_order_id_twice_on_one_channel_is_refused(tenant: UowFactory) -> None:
    channel = catalog.create_channel(tenant(), "shop", "shopify", "EUR")
    other = catalog.create_channel(tenant(), "shop-2", "shopify", "EUR")
    assert channel.id is not None and other.id is not None
    _order(tenant, channel.id, "1001")
    _order(tenant, other.id, "1001")  # another channel may reuse the number
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        _order(tenant, channel.id, "1001")


def test_a_second_reservation_row_for_the_same_line_warehouse_and_lot_is_refused(
    tenant: UowFactory,
) -> None:
    workspace(tenant, {("BER", "TENT"): 10})
    channel = catalog.create_channel(tenant(), "shop", "shopify", "EUR")
    assert channel.id is not None
    order = _order(tenant, channel.id, "2001")
    line_id = order.lines[0].id
    assert line_id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        ber = uow.warehouses.by_key("BER")
        tent = uow.skus.by_key("TENT")
        assert ber.id is not None and tent.id is not None
        uow.reservations.add(Reservation(uow.tenant_id, line_id, ber.id, tent.id, 1))
        uow.commit()
    with pytest.raises(IntegrityError), tenant() as uow:
        assert uow.tenant_id is not None
        uow.reservations.add(Reservation(uow.tenant_id, line_id, ber.id, tent.id, 1))


@pytest.mark.parametrize(("assignment", "constraint"), [
    ("reserved = on_hand + 1", "reserved_within_on_hand"),
    ("on_hand = -1, reserved = 0", "on_hand_not_negative"),
    ("reserved = -1", "reserved_not_negative"),
    ("safety_stock = -1", "safety_stock_not_negative"),
])  # fmt: skip
def test_stock_level_checks_refuse_overselling_and_negative_stock(
    tenant: UowFactory, assignment: str, constraint: str
) -> None:
    workspace(tenant, {("BER", "TENT"): 5})
    with pytest.raises(IntegrityError, match=constraint), tenant() as uow:
        uow.session.execute(
            sa.text(f"UPDATE stock_levels SET {assignment} WHERE tenant_id = :t"),
            {"t": uow.tenant_id},
        )
        uow.session.flush()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stock_movements SET quantity = quantity + 1 WHERE tenant_id = :t",
        "DELETE FROM stock_movements WHERE tenant_id = :t",
    ],
)
def test_the_ledger_is_append_only(tenant: UowFactory, statement: str) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 5})
    with pytest.raises(DBAPIError, match="append-only"), tenant() as uow:
        uow.session.execute(sa.text(statement), {"t": uow.tenant_id})
    assert ws.count_movements() == 1


def test_received_quantity_cannot_exceed_ordered(tenant: UowFactory) -> None:
    workspace(tenant, {("BER", "TENT"): 5})
    with pytest.raises(IntegrityError, match="received_within_ordered"), tenant() as uow:
        uow.session.execute(
            sa.text(
                "UPDATE purchase_order_lines SET quantity_received = "
                "quantity_ordered + 1 WHERE tenant_id = :t"
            ),
            {"t": uow.tenant_id},
        )
