"""Shopify GraphQL order nodes (shaped as the schema-checked fixtures) -> hub orders."""

from __future__ import annotations

from decimal import Decimal

from hub.domain.money import Money
from hub.domain.orders import OrderStatus
from mapping.mapper import Context
from mapping.platforms.shopify import map_order
from tests.contract import shopify_docs as docs

CTX = Context(1, 2, "shopify")


def test_shop_amounts_are_booked_and_the_presentment_currency_kept_with_its_rate() -> None:
    node = docs.order(
        1,
        currencyCode="EUR",
        presentmentCurrencyCode="USD",
        totalPriceSet=docs.bag("92.35", "EUR", "100.00", "USD"),
        lineItems={"nodes": [docs.line(1, "TENT-2P", 1, "92.35", "EUR")]},
        shippingLines={"nodes": []},
        transactions=[],
    )
    order = map_order(node, CTX)
    assert (order.currency, order.presentment_currency) == ("EUR", "USD")
    assert (order.fx_rate, order.fx_source) == (Decimal("0.923500"), "shopify:totalPriceSet")
    assert order.lines[0].unit_price == Money.of("92.35", "EUR")
    assert order.external_id == "gid://shopify/Order/1"


def test_eu_vat_included_in_prices_is_not_added_again() -> None:
    vat = {
        "title": "DE MwSt",
        "rate": 0.19,
        "ratePercentage": 19.0,
        "priceSet": docs.bag("3.99", "EUR"),
    }
    node = docs.order(
        2,
        currencyCode="EUR",
        presentmentCurrencyCode="EUR",
        taxesIncluded=True,
        totalPriceSet=docs.bag("24.99", "EUR"),
        lineItems={"nodes": [docs.line(1, "MUG", 1, "24.99", "EUR", taxLines=[vat])]},
        shippingLines={"nodes": []},
        taxLines=[vat],
    )
    order = map_order(node, CTX)
    (tax,) = order.tax_lines
    assert (tax.rate, tax.inclusive, tax.amount) == (Decimal("0.19"), True, Money.of("3.99", "EUR"))
    assert order.lines[0].tax == Money.of("3.99", "EUR")
    assert order.grand_total == Money.of("24.99", "EUR")


def test_yen_has_no_minor_units_and_order_discounts_stay_on_the_lines() -> None:
    def allocated(amount: str) -> list[dict[str, object]]:
        application = {"index": 0, "targetSelection": "ALL", "allocationMethod": "ACROSS"}
        return [{"allocatedAmountSet": docs.bag(amount, "JPY"), "discountApplication": application}]

    node = docs.order(
        3,
        currencyCode="JPY",
        presentmentCurrencyCode="JPY",
        totalPriceSet=docs.bag("2900", "JPY"),
        lineItems={
            "nodes": [
                docs.line(1, "A", 1, "1000", "JPY", discountAllocations=allocated("334")),
                docs.line(2, "B", 2, "1000", "JPY", discountAllocations=allocated("666")),
            ]
        },
        shippingLines={
            "nodes": [
                {
                    "title": "EMS",
                    "code": "EMS",
                    "carrierIdentifier": None,
                    "originalPriceSet": docs.bag("900", "JPY"),
                    "taxLines": [],
                }
            ]
        },
        discountApplications={
            "nodes": [
                {
                    "__typename": "DiscountCodeApplication",
                    "index": 0,
                    "targetSelection": "ALL",
                    "allocationMethod": "ACROSS",
                    "code": "WELCOME",
                }
            ]
        },
        transactions=[],
    )
    order = map_order(node, CTX)
    assert [line.discount for line in order.lines] == [Money.of(334, "JPY"), Money.of(666, "JPY")]
    assert order.discounts[0].code == "WELCOME" and not order.discounts[0].amount.amount
    assert order.grand_total == Money.of(2900, "JPY")
    assert str(order.grand_total.amount) == "2900"


def test_a_partial_refund_with_restock_and_a_custom_line_without_sku() -> None:
    custom = docs.line(2, None, 1, "5.00", name="Gift wrap")
    refund = {
        "id": "gid://shopify/Refund/9",
        "createdAt": "2025-01-05T12:00:00Z",
        "note": "too big",
        "totalRefundedSet": docs.bag("24.00", "USD"),
        "refundLineItems": {
            "nodes": [
                {
                    "quantity": 1,
                    "restockType": "RETURN",
                    "restocked": True,
                    "lineItem": {"id": "gid://shopify/LineItem/40", "sku": "TENT-2P"},
                    "location": {"id": "gid://shopify/Location/1"},
                }
            ]
        },
    }
    node = docs.order(
        4,
        displayFinancialStatus="PARTIALLY_REFUNDED",
        lineItems={"nodes": [docs.line(40, "TENT-2P", 2, "24.00"), custom]},
        refunds=[refund],
    )
    order = map_order(node, CTX)
    assert [line.channel_sku for line in order.lines] == ["TENT-2P", None]
    # The custom item has no variant: keyed by its own line, apart from any other.
    assert order.lines[1].mapping_key == "#line:gid://shopify/LineItem/2"
    (mapped,) = order.refunds
    assert mapped.restock and mapped.amount == Money.of("24.00", "USD")
    assert mapped.lines[0].line_external_id == "gid://shopify/LineItem/40"
    assert order.status is OrderStatus.READY


def test_a_cancelled_order_is_cancelled_and_sixty_five_lines_are_all_kept() -> None:
    lines = [docs.line(i, f"SKU-{i}", 1, "1.00") for i in range(65)]
    node = docs.order(
        5, cancelledAt="2025-01-03T08:00:00Z", cancelReason="CUSTOMER", lineItems={"nodes": lines}
    )
    order = map_order(node, CTX)
    assert order.status is OrderStatus.CANCELLED
    assert len(order.lines) == 65 and order.subtotal == Money.of("65.00", "USD")


def test_the_paid_transaction_is_the_payment() -> None:
    order = map_order(docs.order(6), CTX)
    assert [(p.gateway, p.amount) for p in order.payments] == [
        ("shopify_payments", Money.of("29.00", "USD"))
    ]
    assert order.grand_total == Money.of("29.00", "USD")


def test_a_rest_webhook_and_a_graphql_pull_of_one_order_meet_on_its_gid() -> None:
    rest = {
        "id": 5001,
        "admin_graphql_api_id": "gid://shopify/Order/5001",
        "name": "#5001",
        "currency": "USD",
        "presentment_currency": "USD",
        "created_at": "2025-01-02T09:00:00Z",
        "updated_at": "2025-01-02T10:00:00Z",
        "financial_status": "paid",
        "fulfillment_status": None,
        "cancelled_at": None,
        "taxes_included": False,
        "email": "buyer@example.com",
        "total_price_set": {
            "shop_money": {"amount": "29.00", "currency_code": "USD"},
            "presentment_money": {"amount": "29.00", "currency_code": "USD"},
        },
        "line_items": [
            {
                "id": 50010,
                "sku": "TENT-2P",
                "title": "Tent",
                "quantity": 1,
                "price": "24.00",
                "total_discount": "0.00",
                "tax_lines": [],
            }
        ],
        "tax_lines": [],
        "discount_codes": [],
        "shipping_lines": [{"title": "Standard", "price": "5.00", "source": "shopify"}],
    }
    from_webhook = map_order(rest, CTX)
    from_pull = map_order(docs.order(5001), CTX)
    assert from_webhook.external_id == from_pull.external_id == "gid://shopify/Order/5001"
    assert from_webhook.grand_total == from_pull.grand_total == Money.of("29.00", "USD")
