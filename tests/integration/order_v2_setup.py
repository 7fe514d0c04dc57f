"""An order carrying every v2 fact at once, for persistence tests of both write paths."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hub.domain.money import Money
from hub.domain.orders import (
    Discount,
    FeeLine,
    MarketplaceFee,
    Order,
    OrderLine,
    Payment,
    Refund,
    RefundLine,
    ShippingLine,
    StatedTotals,
    TaxLine,
)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def v2_order(tenant_id: int, channel_id: int, external_id: str) -> Order:
    """Shop USD, presentment EUR; one priced line, one SKU-less line keyed by its listing
    id, one line whose money the platform did not state; fees, marketplace tax, a refund."""
    tid = tenant_id
    return Order(
        tid,
        channel_id,
        external_id,
        "USD",
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        presentment_currency="EUR",
        fx_rate=Decimal("1.080000"),
        fx_source="shopify:total_price_set",
        number="#1001",
        ship_to={
            "country": "US",
            "subdivision": "US-NY",
            "postal_code": "10001",
            "city": "New York",
            "raw": {"country_code": "US", "province_code": "NY"},
        },
        platform_status="paid",
        financial_status="partially_refunded",
        fulfillment_status="partially_fulfilled",
        cancelled_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        cancel_reason="customer",
        prices_include_tax=False,
        fulfilled_by="merchant",
        marketplace_tax=usd("0.80"),
        tax_remitted_by="ebay",
        amounts_known=True,
        stated_totals=StatedTotals(
            total=usd("32.30"), subtotal=usd("21.50"), tax=usd("1.60"), shipping=usd("5.00")
        ),
        invoice_hold="totals: total 32.30 USD (ours) != 32.31 USD (shopify)",
        lines=[
            OrderLine(
                "TENT",
                2,
                usd("10.00"),
                discount=usd("1.00"),
                tax=usd("1.60"),
                external_id="L1",
                tenant_id=tid,
                platform_listing_id="4455",
                unit_price_presentment=eur("9.26"),
                discount_presentment=eur("0.93"),
                tax_presentment=eur("1.48"),
                marketplace_tax=usd("0.80"),
                shipping=usd("5.00"),
                shipping_tax=usd("0"),
                shipping_discount=usd("0"),
                quantity_shipped=1,
            ),
            OrderLine(
                None, 1, usd("1.50"), external_id="L2", tenant_id=tid, platform_listing_id="7788"
            ),
            OrderLine("GAS", 1, None, external_id="L3", tenant_id=tid),
        ],
        shipping_lines=[
            ShippingLine(
                "Ground",
                usd("5.00"),
                carrier="UPS",
                tenant_id=tid,
                external_id="S1",
                price_presentment=eur("4.63"),
                discount=usd("0"),
                tax=usd("0"),
            )
        ],
        tax_lines=[
            TaxLine(
                "State", Decimal("0.08"), usd("1.60"), tenant_id=tid, amount_presentment=eur("1.48")
            )
        ],
        discounts=[Discount("WELCOME", usd("0"), tenant_id=tid, amount_presentment=eur("0"))],
        fee_lines=[
            FeeLine(
                "Gift wrap",
                usd("2.50"),
                tax=usd("0.20"),
                taxable=True,
                external_id="F1",
                amount_presentment=eur("2.31"),
                tenant_id=tid,
            )
        ],
        marketplace_fees=[MarketplaceFee("final_value_fee", usd("2.91"), tenant_id=tid)],
        payments=[Payment("shopify_payments", usd("32.30"), external_id="P1", tenant_id=tid)],
        refunds=[
            Refund(
                usd("12.15"),
                external_id="R1",
                reason="dented",
                restock=None,
                lines=[
                    RefundLine(
                        "L1",
                        1,
                        subtotal=usd("9.00"),
                        tax=usd("0.80"),
                        restock=True,
                        restock_location="BER",
                    ),
                    RefundLine("L2", 0),
                ],
                created_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                tenant_id=tid,
                shipping=usd("2.00"),
                shipping_tax=usd("0"),
                tax=usd("0.80"),
                unallocated=usd("0.35"),
                restock_location="BER",
                amount_presentment=eur("11.25"),
            )
        ],
    )
