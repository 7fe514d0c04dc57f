"""Amazon SP-API models (../shared/specs/amazon, Swagger 2.0), read in place: mocked
answers and our request bodies are validated against their ``definitions``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "amazon"


@cache
def model(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        pytest.skip(
            f"Amazon SP-API model not found at {path} (../shared is absent)",
            allow_module_level=True,
        )
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def check(name: str, definition: str, value: Any) -> None:
    """``value`` is a valid ``definition`` of the model file ``name``."""
    spec = model(name)
    schema = {"$ref": f"#/definitions/{definition}", "definitions": spec["definitions"]}
    jsonschema.validate(value, schema, cls=jsonschema.Draft4Validator)


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": amount}


def order(n: int, status: str = "Unshipped", channel: str = "MFN", **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "AmazonOrderId": f"902-3159896-{n:07d}",
        "PurchaseDate": "2025-01-02T09:00:00Z",
        "LastUpdateDate": "2025-01-02T10:00:00Z",
        "OrderStatus": status,
        "FulfillmentChannel": channel,
        "SalesChannel": "Amazon.com",
        "ShipServiceLevel": "Std US D2D Dom",
        "MarketplaceId": "ATVPDKIKX0DER",
        "OrderType": "StandardOrder",
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": 1,
        "IsPrime": False,
        "IsBusinessOrder": False,
        "IsPremiumOrder": False,
        "IsReplacementOrder": False,
    }
    if status != "Pending":
        found["OrderTotal"] = money("29.00")
        # The non-PII part of the address, which getOrders returns once an order is paid
        # (a Pending order has none); the review rules hold an order without a country.
        found["ShippingAddress"] = {
            "City": "Seattle",
            "StateOrRegion": "WA",
            "PostalCode": "98121",
            "CountryCode": "US",
        }
    found.update(extra)
    return found


def item(
    n: int, sku: str = "TENT-2P", qty: int = 1, price: str | None = "24.00", **extra: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "ASIN": f"B00{n:07d}",
        "SellerSKU": sku,
        "OrderItemId": f"6854{n:010d}",
        "Title": f"Item {n}",
        "QuantityOrdered": qty,
        "QuantityShipped": 0,
    }
    if price is not None:  # Pending orders come without prices
        found.update(
            ItemPrice=money(price),
            ItemTax=money("0.00"),
            ShippingPrice=money("5.00"),
            ShippingTax=money("0.00"),
            PromotionDiscount=money("0.00"),
        )
    found.update(extra)
    return found


def orders_page(orders: list[Any], next_token: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"Orders": orders, "LastUpdatedBefore": "2025-01-03T00:00:00Z"}
    if next_token:
        payload["NextToken"] = next_token
    body = {"payload": payload}
    check("ordersV0.json", "GetOrdersResponse", body)
    return body


def items_page(order_id: str, items: list[Any], next_token: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": items}
    if next_token:
        payload["NextToken"] = next_token
    body = {"payload": payload}
    check("ordersV0.json", "GetOrderItemsResponse", body)
    return body
