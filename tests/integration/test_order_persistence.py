"""A whole order survives the database exactly: money to the minor unit, times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    ShippingLine,
    TaxLine,
)
from hub.services import catalog
from tests.integration.factories import UowFactory


@pytest.mark.parametrize(("currency", "price", "expected_total"), [
    ("KWD", "12.345", "25.690"),
    ("JPY", "1980", "3961"),
    ("USD", "19.99", "40.98"),
])  # fmt: skip
def test_an_order_with_every_part_round_trips_exactly(
    tenant: UowFactory, currency: str, price: str, expected_total: str
) -> None:
    channel = catalog.create_channel(tenant(), f"shop-{currency}", "woocommerce", currency)
    assert channel.id is not None
    placed = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with tenant() as uow:
        tid = uow.tenant_id
        assert tid is not None
        order = Order(
            tid,
            channel.id,
            "A-1",
            currency,
            placed,
            customer_email="b@example.com",
            ship_to={"country": "KW", "city": "Kuwait City"},
            presentment_currency="EUR",
        )
        order.add_line(
            OrderLine(
                "TENT",
                2,
                Money.of(price, currency),
                tenant_id=tid,
                external_id="L1",
                raw={"id": 1, "price": price},
            )
        )
        order.shipping_lines.append(
            ShippingLine("Express", Money.of("1", currency), carrier="DHL", tenant_id=tid)
        )
        order.tax_lines.append(
            TaxLine("VAT", Decimal("0.05"), Money.of("0", currency), tenant_id=tid)
        )
        order.discounts.append(Discount("NONE", Money.zero(currency), tenant_id=tid))
        order.payments.append(
            Payment(
                "stripe",
                Money.of(expected_total, currency),
                external_id="ch_1",
                tenant_id=tid,
                processed_at=placed,
            )
        )
        order.refunds.append(
            Refund(
                Money.of("1", currency),
                external_id="r1",
                restock=True,
                lines=[{"line": "L1", "quantity": 1}],
                tenant_id=tid,
            )
        )
        order.transition(OrderStatus.READY)
        uow.orders.add(order)
        uow.commit()
    with tenant() as uow:
        loaded = uow.orders.by_external_id(channel.id, "A-1")
        assert loaded is not None
        assert loaded.status is OrderStatus.READY
        assert loaded.placed_at == placed and loaded.placed_at.tzinfo == UTC
        assert loaded.lines[0].unit_price == Money.of(price, currency)
        assert loaded.lines[0].raw == {"id": 1, "price": price}
        assert loaded.grand_total == Money.of(expected_total, currency)
        assert loaded.payments[0].amount.amount == Decimal(expected_total)
        assert loaded.refunds[0].lines == [{"line": "L1", "quantity": 1}]
        assert loaded.shipping_lines[0].carrier == "DHL"
        assert loaded.presentment_currency == "EUR"
