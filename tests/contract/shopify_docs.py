"""Shopify Admin GraphQL 2025-01: the official introspection schema (../shared/specs),
read in place, and order nodes shaped exactly as our ORDERS query selects them.

``check_response`` executes the document against the schema with the mocked ``data`` as
the root value: an unknown field, a wrong type, a missing non-null or a bad enum value in
a mock fails the test, so mocks cannot drift from what Shopify can actually send.
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import ExecutionResult, GraphQLSchema, build_client_schema, execute, parse, validate

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "shopify"
SCHEMA_FILE = SPEC / "admin_schema_2025-01.json.gz"


@cache
def schema() -> GraphQLSchema:
    if not SCHEMA_FILE.exists():
        pytest.skip(
            f"Shopify admin schema not found at {SCHEMA_FILE} (../shared is absent)",
            allow_module_level=True,
        )
    built = build_client_schema(json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))["data"])
    # The published schema itself breaks two deprecation rules graphql-core enforces on
    # schemas; documents are still validated in full.
    built._validation_errors = []
    return built


def check_document(document: str) -> None:
    errors = validate(schema(), parse(document))
    assert not errors, [e.message for e in errors]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_response(document: str, variables: dict[str, Any], body: dict[str, Any]) -> None:
    """The mocked ``data`` is exactly what the schema lets this document return."""
    result = execute(schema(), parse(document), root_value=body["data"], variable_values=variables)
    assert isinstance(result, ExecutionResult)
    assert not result.errors, [e.message for e in result.errors]
    assert _plain(result.data) == _plain(body["data"])


def bag(amount: str, currency: str, presented: str | None = None, pcur: str | None = None) -> Any:
    return {
        "shopMoney": {"amount": amount, "currencyCode": currency},
        "presentmentMoney": {"amount": presented or amount, "currencyCode": pcur or currency},
    }


def line(n: int, sku: str | None, qty: int, price: str, cur: str = "USD", **extra: Any) -> Any:
    node = {
        "id": f"gid://shopify/LineItem/{n}",
        "sku": sku,
        "name": f"Item {n}",
        "quantity": qty,
        "currentQuantity": qty,
        "variant": {"id": f"gid://shopify/ProductVariant/{n}", "legacyResourceId": str(n)}
        if sku
        else None,
        "originalUnitPriceSet": bag(price, cur),
        "discountAllocations": [],
        "taxLines": [],
    }
    node.update(extra)
    return node


def order(n: int, updated: str = "2025-01-02T10:00:00Z", **extra: Any) -> dict[str, Any]:
    """A paid, unfulfilled one-line USD order, GID n."""
    node: dict[str, Any] = {
        "id": f"gid://shopify/Order/{n}",
        "legacyResourceId": str(n),
        "name": f"#{1000 + n}",
        "email": "buyer@example.com",
        "createdAt": "2025-01-02T09:00:00Z",
        "updatedAt": updated,
        "cancelledAt": None,
        "cancelReason": None,
        "currencyCode": "USD",
        "presentmentCurrencyCode": "USD",
        "taxesIncluded": False,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": {"firstName": "Ada", "lastName": "Lovelace"},
        "shippingAddress": {
            "name": "Ada Lovelace",
            "company": None,
            "address1": "1 Main St",
            "address2": None,
            "city": "Springfield",
            "zip": "12345",
            "provinceCode": "IL",
            "countryCodeV2": "US",
            "phone": None,
        },
        "totalPriceSet": bag("29.00", "USD"),
        "subtotalPriceSet": bag("24.00", "USD"),
        "totalDiscountsSet": bag("0.00", "USD"),
        "totalShippingPriceSet": bag("5.00", "USD"),
        "totalTaxSet": bag("0.00", "USD"),
        "currentTotalPriceSet": bag("29.00", "USD"),
        "lineItems": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [line(n * 10, "TENT-2P", 1, "24.00")],
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Standard",
                    "code": "STD",
                    "carrierIdentifier": None,
                    "originalPriceSet": bag("5.00", "USD"),
                    "taxLines": [],
                    "discountAllocations": [],
                }
            ]
        },
        "taxLines": [],
        "discountApplications": {"nodes": []},
        "fulfillments": [],
        "transactions": [
            {
                "id": f"gid://shopify/OrderTransaction/{n}",
                "gateway": "shopify_payments",
                "kind": "SALE",
                "status": "SUCCESS",
                "processedAt": "2025-01-02T09:00:01Z",
                "amountSet": bag("29.00", "USD"),
            }
        ],
        "refunds": [],
    }
    node.update(extra)
    return node


def throttle(available: float, requested: int = 752, restore: float = 100.0) -> dict[str, Any]:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": None,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": available,
            "restoreRate": restore,
        },
    }


def as_json(body: Any) -> str:
    return json.dumps(body, default=lambda d: str(d) if isinstance(d, Decimal) else d)
