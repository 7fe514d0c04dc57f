"""eBay's OpenAPI 3 documents for Sell Fulfillment v1 and Sell Inventory v1
(../shared/specs/ebay), read in place: mocks and request bodies are validated against
their component schemas."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "ebay"
FULFILLMENT = "sell_fulfillment_v1_oas3.yaml"
INVENTORY = "sell_inventory_v1_oas3.yaml"


@cache
def spec(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        pytest.skip(
            f"eBay OpenAPI document not found at {path} (../shared is absent)",
            allow_module_level=True,
        )
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def check(name: str, schema_name: str, value: Any) -> None:
    document = spec(name)
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema.validate(value, schema, cls=jsonschema.Draft7Validator)


def amount(value: str, currency: str = "USD", **extra: str) -> dict[str, str]:
    return {"value": value, "currency": currency, **extra}


def line(n: int, sku: str | None, qty: int, cost: str, cur: str = "USD", **extra: Any) -> Any:
    found: dict[str, Any] = {
        "lineItemId": f"10{n:010d}",
        "legacyItemId": f"11{n:010d}",
        "title": f"Item {n}",
        "quantity": qty,
        "lineItemCost": amount(cost, cur),
        "total": amount(cost, cur),
        "appliedPromotions": [],
        "taxes": [],
        "soldFormat": "FIXED_PRICE",
        "lineItemFulfillmentStatus": "NOT_STARTED",
        "deliveryCost": {"shippingCost": amount("0.00", cur)},
    }
    if sku:
        found["sku"] = sku
    found.update(extra)
    return found


def order(
    n: int, lines: list[Any] | None = None, cur: str = "USD", **summary: Any
) -> dict[str, Any]:
    lines = lines if lines is not None else [line(n, "TENT-2P", 1, "24.00", cur)]
    subtotal = sum(float(ln["lineItemCost"]["value"]) for ln in lines)
    pricing = {
        "priceSubtotal": amount(f"{subtotal:.2f}", cur),
        "deliveryCost": amount("5.00", cur),
        "total": amount(f"{subtotal + 5:.2f}", cur),
    }
    pricing.update(summary)
    found: dict[str, Any] = {
        "orderId": f"12-{n:05d}-{n:05d}",
        "creationDate": "2025-01-02T09:00:00.000Z",
        "lastModifiedDate": "2025-01-02T10:00:00.000Z",
        "orderFulfillmentStatus": "NOT_STARTED",
        "orderPaymentStatus": "PAID",
        "sellerId": "hubseller",
        "buyer": {
            "username": "buyer1",
            "buyerRegistrationAddress": {"email": "b@example.com", "fullName": "Bea Buyer"},
        },
        "pricingSummary": pricing,
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "paymentSummary": {"payments": [], "refunds": [], "totalDueSeller": amount("0.00", cur)},
        "fulfillmentStartInstructions": [
            {
                "fulfillmentInstructionsType": "SHIP_TO",
                "shippingStep": {
                    "shippingCarrierCode": "USPS",
                    "shipTo": {
                        "fullName": "Bea Buyer",
                        "contactAddress": {"city": "Austin", "countryCode": "US"},
                    },
                },
            }
        ],
        "lineItems": lines,
    }
    check(FULFILLMENT, "Order", found)
    return found
