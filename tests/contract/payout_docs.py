"""Payout records shaped as each platform's official documents show them.

- Shopify: ShopifyPaymentsPayout / ShopifyPaymentsBalanceTransaction, Admin GraphQL
  2025-01 (validated against ../shared/specs/shopify by the tests).
  https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ShopifyPaymentsBalanceTransaction
- Stripe: https://docs.stripe.com/api/balance_transactions/object and /api/payouts/object
- Amazon SP-API Finances v0: https://developer-docs.amazon.com/sp-api/docs/finances-api-reference
  (FinancialEventGroup, ShipmentEvent, ChargeComponent, FeeComponent, TaxWithheldComponent)
- eBay Finances v1: https://developer.ebay.com/api-docs/sell/finances/resources/methods
  (Payout, Transaction, OrderLineItem.marketplaceFees)
"""

from __future__ import annotations

from typing import Any

SHOPIFY_ORDER_1 = "gid://shopify/Order/1001"
SHOPIFY_ORDER_2 = "gid://shopify/Order/1002"


def _m(amount: str, cur: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": cur}


def shopify_tx(
    n: int, kind: str, amount: str, fee: str, net: str, order: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        "type": kind,
        "test": False,
        "transactionDate": "2026-11-03T12:00:00Z",
        "adjustmentReason": None,
        "sourceType": "CHARGE" if kind == "CHARGE" else None,
        "sourceId": str(9000 + n),
        "amount": _m(amount),
        "fee": _m(fee),
        "net": _m(net),
        "associatedOrder": {"id": order, "name": "#" + order.rsplit("/", 1)[1]} if order else None,
        "associatedPayout": {"id": "gid://shopify/ShopifyPaymentsPayout/77", "status": "PAID"},
    }


def shopify_payout(net: str = "89.61", status: str = "PAID") -> dict[str, Any]:
    return {
        "id": "gid://shopify/ShopifyPaymentsPayout/77",
        "legacyResourceId": "77",
        "issuedAt": "2026-11-08T00:00:00Z",
        "status": status,
        "transactionType": "DEPOSIT",
        "net": _m(net),
        "gross": _m("165.00"),
    }


def shopify_transactions() -> list[dict[str, Any]]:
    """Two charges with processing fees, a refund of the second, a reserve, a label."""
    return [
        shopify_tx(1, "CHARGE", "110.00", "3.49", "106.51", SHOPIFY_ORDER_1),
        shopify_tx(2, "CHARGE", "55.00", "1.90", "53.10", SHOPIFY_ORDER_2),
        shopify_tx(3, "REFUND", "-55.00", "0.00", "-55.00", SHOPIFY_ORDER_2),
        shopify_tx(4, "RESERVED_FUNDS", "-10.00", "0.00", "-10.00"),
        shopify_tx(5, "SHIPPING_LABEL", "-5.00", "0.00", "-5.00"),
    ]


def shopify_page(field: str, nodes: list[Any], more: bool = False, end: str | None = None) -> Any:
    return {
        "data": {
            "shopifyPaymentsAccount": {
                field: {"pageInfo": {"hasNextPage": more, "endCursor": end}, "nodes": nodes}
            }
        },
        "extensions": {
            "cost": {
                "requestedQueryCost": 12,
                "actualQueryCost": 12,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": 1988.0,
                    "restoreRate": 100.0,
                },
            }
        },
    }
