"""Shopify REST order payloads for the order-change tests, in the shape of the Admin API's
Order resource (the golden cases in tests/golden/shopify are the full documented bodies):
the same order at successive `updated_at` versions, each the platform's whole picture."""

from __future__ import annotations

from typing import Any

Line = tuple[int, str, int]  # (line item id, sku, quantity)


def _set(amount: str) -> dict[str, Any]:
    money = {"amount": amount, "currency_code": "EUR"}
    return {"shop_money": money, "presentment_money": money}


def shopify_order(
    order_id: int,
    updated: str,
    lines: list[Line],
    *,
    financial_status: str = "paid",
    paid: bool = True,
    shipped: dict[int, int] | None = None,
    refunds: list[dict[str, Any]] | None = None,
    cancelled: bool = False,
    price: str = "10.00",
) -> dict[str, Any]:
    """Version `updated` (ISO, UTC) of order `order_id`; `shipped`: line id -> units in
    successful fulfillments; `refunds`: built with `refund`."""
    total = f"{sum(float(price) * q for _, _, q in lines):.2f}"
    items = [
        {
            "id": line_id,
            "variant_id": 5000 + line_id,
            "product_id": 7,
            "title": sku,
            "name": sku,
            "sku": sku,
            "quantity": qty,
            "price": price,
            "price_set": _set(price),
            "total_discount": "0.00",
            "discount_allocations": [],
            "tax_lines": [],
            "fulfillment_status": None,
        }
        for line_id, sku, qty in lines
    ]
    fulfillments = [
        {
            "id": 9000 + line_id,
            "order_id": order_id,
            "status": "success",
            "location_id": 655441491,
            "created_at": updated,
            "line_items": [{"id": line_id, "quantity": units}],
        }
        for line_id, units in (shipped or {}).items()
        if units
    ]
    done = sum((shipped or {}).values())
    ordered = sum(q for _, _, q in lines)
    transactions = (
        [
            {
                "id": 7000 + order_id,
                "kind": "sale",
                "status": "success",
                "gateway": "shopify_payments",
                "amount": total,
                "currency": "EUR",
                "processed_at": "2026-11-01T09:05:00Z",
            }
        ]
        if paid
        else []
    )
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "email": "buyer@example.com",
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": updated,
        "currency": "EUR",
        "presentment_currency": "EUR",
        "taxes_included": False,
        "financial_status": financial_status,
        "fulfillment_status": None if not done else ("fulfilled" if done >= ordered else "partial"),
        "cancelled_at": updated if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "subtotal_price": total,
        "total_price": total,
        "total_price_set": _set(total),
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "tax_lines": [],
        "discount_codes": [],
        "shipping_lines": [],
        "shipping_address": {"country_code": "DE", "country": "Germany"},
        "customer": {"first_name": "Ada", "last_name": "Lovelace"},
        "line_items": items,
        "fulfillments": fulfillments,
        "refunds": refunds or [],
        "transactions": transactions,
    }


def refund(
    refund_id: int,
    created: str,
    parts: list[tuple[int, int]],
    *,
    restock_type: str = "return",
    location_id: int | None = 655441491,
    price: str = "10.00",
    amount: str | None = None,
) -> dict[str, Any]:
    """A REST Refund: `parts` (line item id, quantity), each refunded at `price`."""
    given = amount or f"{sum(float(price) * q for _, q in parts):.2f}"
    return {
        "id": refund_id,
        "created_at": created,
        "processed_at": created,
        "note": "return",
        "restock": restock_type != "no_restock",
        "refund_line_items": [
            {
                "id": refund_id * 10 + n,
                "line_item_id": line_id,
                "quantity": qty,
                "restock_type": restock_type,
                "location_id": location_id,
                "subtotal": f"{float(price) * qty:.2f}",
                "total_tax": "0.00",
            }
            for n, (line_id, qty) in enumerate(parts)
        ],
        "order_adjustments": [],
        "transactions": [
            {"id": refund_id + 1, "kind": "refund", "status": "success", "amount": given,
             "currency": "EUR", "gateway": "shopify_payments"}
        ],
    }  # fmt: skip
