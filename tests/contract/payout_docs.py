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


# ---- Amazon SP-API Finances v0 (financesV0.json definitions) -----------------------------


def _c(amount: str, cur: str = "USD") -> dict[str, Any]:
    """Finances' Currency: CurrencyAmount is a JSON number (written raw by the tests)."""
    return {"CurrencyCode": cur, "CurrencyAmount": f"@{amount}@"}


def amazon_group(total: str = "67.60", status: str = "Closed") -> dict[str, Any]:
    return {
        "FinancialEventGroupId": "FEG-1",
        "ProcessingStatus": status,
        "FundTransferStatus": "Succeeded",
        "OriginalTotal": _c(total),
        "ConvertedTotal": _c(total),
        "FundTransferDate": "2026-11-15T08:00:00.000Z",
        "TraceId": "AMZ-TRACE-7",
        "AccountTail": "4321",
        "BeginningBalance": _c("0.00"),
        "FinancialEventGroupStart": "2026-11-01T00:00:00.000Z",
        "FinancialEventGroupEnd": "2026-11-14T23:59:59.000Z",
    }


def amazon_events() -> dict[str, Any]:
    """One shipped order (principal 50 + tax 4 withheld by Amazon as marketplace
    facilitator, commission and FBA fee), a service fee, and an adjustment."""
    return {
        "ShipmentEventList": [
            {
                "AmazonOrderId": "111-2222222-3333333",
                "SellerOrderId": "111-2222222-3333333",
                "MarketplaceName": "Amazon.com",
                "PostedDate": "2026-11-03T10:00:00.000Z",
                "ShipmentItemList": [
                    {
                        "SellerSKU": "TENT",
                        "OrderItemId": "OI-1",
                        "QuantityShipped": 1,
                        "ItemChargeList": [
                            {"ChargeType": "Principal", "ChargeAmount": _c("50.00")},
                            {"ChargeType": "Tax", "ChargeAmount": _c("4.00")},
                        ],
                        "ItemFeeList": [
                            {"FeeType": "Commission", "FeeAmount": _c("-7.50")},
                            {"FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": _c("-3.40")},
                        ],
                        "ItemTaxWithheldList": [
                            {
                                "TaxCollectionModel": "MarketplaceFacilitator",
                                "TaxesWithheld": [
                                    {
                                        "ChargeType": "MarketplaceFacilitatorTax-Principal",
                                        "ChargeAmount": _c("-4.00"),
                                    }
                                ],
                            }
                        ],
                        "PromotionList": [],
                    }
                ],
            }
        ],
        "RefundEventList": [],
        "ServiceFeeEventList": [
            {
                "FeeReason": "Subscription",
                "FeeList": [{"FeeType": "Subscription", "FeeAmount": _c("-39.99")}],
            },
        ],
        "AdjustmentEventList": [
            {
                "AdjustmentType": "ReserveCredit",
                "PostedDate": "2026-11-10T00:00:00.000Z",
                "AdjustmentAmount": _c("68.49"),
            }
        ],
    }


def amazon_json(body: Any) -> str:
    """The body as Amazon sends it: money as bare JSON numbers."""
    import json
    import re

    return re.sub(r'"@(-?[0-9.]+)@"', r"\1", json.dumps(body))


# ---- eBay Finances v1 -----------------------------------------------------------------


def _a(value: str, cur: str = "USD") -> dict[str, str]:
    return {"value": value, "currency": cur}


def ebay_payout(amount: str = "80.53", status: str = "SUCCEEDED") -> dict[str, Any]:
    return {
        "payoutId": "6000012345",
        "payoutStatus": status,
        "payoutStatusDescription": "Funds sent",
        "amount": _a(amount),
        "payoutDate": "2026-11-09T03:00:00.000Z",
        "lastAttemptedPayoutDate": "2026-11-09T03:00:00.000Z",
        "transactionCount": 3,
        "payoutInstrument": {
            "instrumentType": "BANK",
            "nickname": "Checking",
            "accountLastFourDigits": "1234",
        },
    }


def ebay_transactions() -> list[dict[str, Any]]:
    """A sale of 100.00 (+ 8.00 tax eBay collects and remits) with a 13.25 final value
    fee and 0.30 per-order fee, net 86.45; a shipping label; an eBay credit."""
    return [
        {
            "transactionId": "T-1",
            "orderId": "12-34567-89012",
            "transactionType": "SALE",
            "transactionStatus": "PAYOUT",
            "bookingEntry": "CREDIT",
            "transactionDate": "2026-11-02T10:00:00.000Z",
            "amount": _a("86.45"),
            "totalFeeBasisAmount": _a("108.00"),
            "totalFeeAmount": _a("13.55"),
            "ebayCollectedTaxAmount": _a("8.00"),
            "orderLineItems": [
                {
                    "lineItemId": "L-1",
                    "feeBasisAmount": _a("108.00"),
                    "marketplaceFees": [
                        {"feeType": "FINAL_VALUE_FEE", "amount": _a("13.25")},
                        {"feeType": "FINAL_VALUE_FEE_FIXED_PER_ORDER", "amount": _a("0.30")},
                    ],
                }
            ],
            "payoutId": "6000012345",
            "buyer": {"username": "buyer1"},
        },
        {
            "transactionId": "T-2",
            "transactionType": "SHIPPING_LABEL",
            "transactionStatus": "PAYOUT",
            "bookingEntry": "DEBIT",
            "transactionDate": "2026-11-03T10:00:00.000Z",
            "amount": _a("7.92"),
            "orderId": "12-34567-89012",
            "payoutId": "6000012345",
        },
        {
            "transactionId": "T-3",
            "transactionType": "CREDIT",
            "transactionStatus": "PAYOUT",
            "bookingEntry": "CREDIT",
            "transactionDate": "2026-11-04T10:00:00.000Z",
            "amount": _a("2.00"),
            "payoutId": "6000012345",
        },
    ]


# ---- Stripe ----------------------------------------------------------------------------


def stripe_payout(amount: int = 4212, status: str = "paid") -> dict[str, Any]:
    return {
        "id": "po_1OaFDbEcg9tTZuTgNYmX0PKB",
        "object": "payout",
        "amount": amount,
        "arrival_date": 1762905600,  # 2025-11-12 00:00 UTC
        "automatic": True,
        "balance_transaction": "txn_1OaFDcEcg9tTZuTgYMR25tSe",
        "created": 1762819200,
        "currency": "usd",
        "description": "STRIPE PAYOUT",
        "destination": "ba_1MtIhL2eZvKYlo2CAElKwKu2",
        "method": "standard",
        "source_type": "card",
        "statement_descriptor": "SHOP PAYOUT 11/12",
        "status": status,
        "type": "bank_account",
    }


def stripe_charge_tx(
    n: int, amount: int, fee: int, order: str, kind: str = "charge"
) -> dict[str, Any]:
    source = {
        "id": f"ch_{n}" if kind == "charge" else f"re_{n}",
        "object": "charge" if kind == "charge" else "refund",
        "metadata": {"order_id": order, "site_url": "https://shop.example"},
    }
    return {
        "id": f"txn_{n}",
        "object": "balance_transaction",
        "amount": amount,
        "available_on": 1762819200,
        "created": 1762300800,
        "currency": "usd",
        "description": f"Shop - Order {order}",
        "exchange_rate": None,
        "fee": fee,
        "fee_details": [
            {
                "amount": fee,
                "application": None,
                "currency": "usd",
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        if fee
        else [],
        "net": amount - fee,
        "reporting_category": kind,
        "source": source,
        "status": "available",
        "type": kind,
    }


def stripe_transactions() -> list[dict[str, Any]]:
    """Order 501 paid 33.00 (fee 1.26), order 502 paid 11.00 (fee 0.62), the payout's own
    transaction (not a line): nets 31.74 + 10.38 = 42.12."""
    own = {
        "id": "txn_1OaFDcEcg9tTZuTgYMR25tSe",
        "object": "balance_transaction",
        "amount": -4212,
        "currency": "usd",
        "fee": 0,
        "fee_details": [],
        "net": -4212,
        "type": "payout",
        "reporting_category": "payout",
        "source": "po_1OaFDbEcg9tTZuTgNYmX0PKB",
        "created": 1762819200,
        "available_on": 1762819200,
        "status": "available",
        "description": "STRIPE PAYOUT",
        "exchange_rate": None,
    }
    return [
        stripe_charge_tx(1, 3300, 126, "501"),
        stripe_charge_tx(2, 1100, 62, "502"),
        own,
    ]
