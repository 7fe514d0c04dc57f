"""A whole order survives the database exactly: money to the minor unit, times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    FinancialStatus,
    FulfilledBy,
    FulfillmentStatus,
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
from tests.integration.order_v2_setup import v2_order


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
        (refunded,) = loaded.refunds[0].lines
        assert (refunded.line_external_id, refunded.quantity) == ("L1", 1)
        assert loaded.shipping_lines[0].carrier == "DHL"
        assert loaded.presentment_currency == "EUR"


def test_every_v2_fact_round_trips_and_unknown_stays_unknown(tenant: UowFactory) -> None:
    channel = catalog.create_channel(tenant(), "shop-v2", "shopify", "USD")
    assert channel.id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        uow.orders.add(v2_order(uow.tenant_id, channel.id, "V2-1"))
        uow.commit()
    with tenant() as uow:
        o = uow.orders.by_external_id(channel.id, "V2-1")
        assert o is not None
        assert (o.number, o.platform_status, o.cancel_reason) == ("#1001", "paid", "customer")
        assert o.financial_status is FinancialStatus.PARTIALLY_REFUNDED
        assert o.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
        assert o.fulfilled_by is FulfilledBy.MERCHANT
        assert o.cancelled_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
        assert (o.marketplace_tax, o.tax_remitted_by) == (Money.of("0.80", "USD"), "ebay")
        assert o.stated_totals is not None
        assert o.stated_totals.total == Money.of("32.30", "USD")
        assert o.stated_totals.discounts is None  # not stated stays not stated
        assert o.invoice_hold and o.invoice_hold.startswith("totals:")
        full, skuless, unknown = o.lines
        assert full.unit_price_presentment == Money.of("9.26", "EUR")
        assert full.discount_presentment == Money.of("0.93", "EUR")
        assert full.tax_presentment == Money.of("1.48", "EUR")
        assert (full.marketplace_tax, full.shipping) == (Money.of("0.80", "USD"),
                                                         Money.of("5.00", "USD"))  # fmt: skip
        assert (full.quantity_shipped, full.platform_listing_id) == (1, "4455")
        assert (skuless.channel_sku, skuless.mapping_key) == (None, "#7788")
        assert (unknown.unit_price, unknown.discount, unknown.tax) == (None, None, None)
        assert unknown.amounts_known is False
        assert o.unknown_amounts() == [
            "lines[2].unit_price", "lines[2].discount", "lines[2].tax"
        ]  # fmt: skip
        (ship,) = o.shipping_lines
        assert (ship.external_id, ship.price_presentment) == ("S1", Money.of("4.63", "EUR"))
        assert ship.tax == Money.of("0", "USD")
        assert o.tax_lines[0].amount_presentment == Money.of("1.48", "EUR")
        (fee,) = o.fee_lines
        assert (fee.title, fee.amount, fee.tax, fee.taxable) == (
            "Gift wrap", Money.of("2.50", "USD"), Money.of("0.20", "USD"), True
        )  # fmt: skip
        assert fee.tax_presentment is None
        assert o.marketplace_fees[0].amount == Money.of("2.91", "USD")
        (refund,) = o.refunds
        assert refund.restock is None
        assert (refund.shipping, refund.unallocated) == (Money.of("2.00", "USD"),
                                                         Money.of("0.35", "USD"))  # fmt: skip
        first, second = refund.lines
        assert (first.line_external_id, first.quantity, first.subtotal, first.tax) == (
            "L1", 1, Money.of("9.00", "USD"), Money.of("0.80", "USD")
        )  # fmt: skip
        assert (first.restock, first.restock_location) == (True, "BER")
        assert (second.subtotal, second.restock) == (None, None)
