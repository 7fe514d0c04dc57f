"""The Shopify Admin GraphQL subset the connector uses, answered from SimState.

Operations are told apart by name (the simulator has no schema; the connector's documents
are validated against Shopify's schema in the contract tests). Each call costs points
from a 2,000-point bucket restoring 100/s; an empty bucket answers "Throttled" with
``extensions.cost`` exactly as Shopify does, so the connector's wait is exercised.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from graphql import OperationDefinitionNode, parse

from connectors.simulator.state import SimState

__all__ = ["shopify_router"]

_SINCE = re.compile(r"updated_at:>='([^']+)'")


def _cost(operation: str, variables: dict[str, Any]) -> int:
    if operation == "Orders":
        return 2 + int(variables.get("first", 50)) * 12
    if operation == "SetQuantities":
        return 10
    return 5


def _page(items: list[Any], first: int, after: str | None) -> tuple[list[Any], dict[str, Any]]:
    start = int(after or 0)
    chunk = items[start : start + first]
    more = start + first < len(items)
    return chunk, {"hasNextPage": more, "endCursor": str(start + first) if more else None}


def _orders(state: SimState, v: dict[str, Any]) -> dict[str, Any]:
    found = _SINCE.search(str(v.get("query") or ""))
    since = found.group(1) if found else "1970-01-01T00:00:00Z"
    nodes = sorted(
        (o for o in state.shopify_orders.values() if o["updatedAt"] >= since),
        key=lambda o: (o["updatedAt"], o["id"]),
    )
    chunk, info = _page(nodes, int(v.get("first", 50)), v.get("after"))
    return {"orders": {"pageInfo": info, "nodes": chunk}}


def _set_quantities(state: SimState, v: dict[str, Any]) -> dict[str, Any]:
    given = v["input"]
    errors = []
    for i, q in enumerate(given["quantities"]):
        key = (q["inventoryItemId"], q["locationId"])
        if key not in state.inventory:
            errors.append(
                {
                    "code": "ITEM_NOT_STOCKED_AT_LOCATION",
                    "field": ["input", "quantities", str(i), "locationId"],
                    "message": "The inventory item is not stocked at the location.",
                }
            )
        elif (
            not given.get("ignoreCompareQuantity")
            and q.get("compareQuantity") != state.inventory[key]
        ):
            errors.append(
                {
                    "code": "COMPARE_QUANTITY_STALE",
                    "field": ["input", "quantities", str(i), "compareQuantity"],
                    "message": "The compareQuantity value does not match.",
                }
            )
    payload: dict[str, Any] = {"inventoryAdjustmentGroup": None, "userErrors": errors}
    if not errors:
        changes = []
        for q in given["quantities"]:
            key = (q["inventoryItemId"], q["locationId"])
            changes.append(
                {
                    "name": "available",
                    "delta": q["quantity"] - state.inventory[key],
                    "quantityAfterChange": q["quantity"],
                }
            )
            state.inventory[key] = q["quantity"]
            state.log_write(q["inventoryItemId"], q["quantity"])
        payload["inventoryAdjustmentGroup"] = {"reason": given["reason"], "changes": changes}
    return {"inventorySetQuantities": payload}


def _fulfillment_orders(state: SimState, v: dict[str, Any]) -> dict[str, Any]:
    order = state.shopify_orders[v["id"]]
    items = [
        {
            "id": line["id"].replace("LineItem", "FulfillmentOrderLineItem"),
            "remainingQuantity": line["currentQuantity"] - line.get("_fulfilled", 0),
            "lineItem": {"id": line["id"]},
        }
        for line in order["lineItems"]["nodes"]
    ]
    fo = {
        "id": order["id"].replace("Order", "FulfillmentOrder"),
        "status": "OPEN",
        "lineItems": {"nodes": items},
    }
    return {"order": {"fulfillmentOrders": {"nodes": [fo]}}}


def _create_fulfillment(state: SimState, v: dict[str, Any]) -> dict[str, Any]:
    given = v["fulfillment"]
    for group in given["lineItemsByFulfillmentOrder"]:
        order = state.shopify_orders[
            group["fulfillmentOrderId"].replace("FulfillmentOrder", "Order")
        ]
        for item in group["fulfillmentOrderLineItems"]:
            for line in order["lineItems"]["nodes"]:
                if line["id"].replace("LineItem", "FulfillmentOrderLineItem") == item["id"]:
                    line["_fulfilled"] = line.get("_fulfilled", 0) + item["quantity"]
        done = all(ln.get("_fulfilled", 0) >= ln["quantity"] for ln in order["lineItems"]["nodes"])
        order["displayFulfillmentStatus"] = "FULFILLED" if done else "PARTIALLY_FULFILLED"
        order["updatedAt"] = _now()
    tracking = given.get("trackingInfo") or {}
    fulfillment = {
        "id": "gid://shopify/Fulfillment/1",
        "status": "SUCCESS",
        "trackingInfo": [
            {
                "company": tracking.get("company"),
                "number": tracking.get("number"),
                "url": tracking.get("url"),
            }
        ],
    }
    return {"fulfillmentCreate": {"fulfillment": fulfillment, "userErrors": []}}


def _cancel(state: SimState, v: dict[str, Any]) -> dict[str, Any]:
    order = state.shopify_orders[v["orderId"]]
    order["cancelledAt"] = order["updatedAt"] = _now()
    order["cancelReason"] = v["reason"]
    return {"orderCancel": {"job": {"id": "gid://shopify/Job/1"}, "orderCancelUserErrors": []}}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


HANDLERS = {
    "Orders": _orders,
    "Order": lambda s, v: {"order": s.shopify_orders.get(v["id"])},
    "OrderLines": lambda s, v: {
        "order": {"lineItems": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}}
    },
    "Locations": lambda s, v: {
        "locations": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "id": k,
                    "legacyResourceId": k.rsplit("/", 1)[1],
                    "name": n,
                    "isActive": True,
                    "fulfillsOnlineOrders": True,
                }
                for k, n in s.locations.items()
            ],
        }
    },
    "SetQuantities": _set_quantities,
    "FulfillmentOrders": _fulfillment_orders,
    "CreateFulfillment": _create_fulfillment,
    "CancelOrder": _cancel,
}


def shopify_router(state: SimState) -> APIRouter:
    router = APIRouter()

    @router.post("/admin/api/{version}/graphql.json")
    async def graphql(version: str, request: Request) -> JSONResponse:
        if request.headers.get("X-Shopify-Access-Token") != state.shopify_token:
            error = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return JSONResponse({"errors": error}, status_code=401)
        body = await request.json()
        variables = body.get("variables") or {}
        operation = next(
            d.name.value
            for d in parse(body["query"]).definitions
            if isinstance(d, OperationDefinitionNode) and d.name
        )
        cost = _cost(operation, variables)
        with state.lock:
            state.calls[f"shopify:{operation}"] += 1
            fits, _ = state.shopify_bucket.take(cost)
            bucket = state.shopify_bucket
            status = {
                "maximumAvailable": bucket.capacity,
                "currentlyAvailable": bucket.level,
                "restoreRate": bucket.rate,
            }
            if not fits:
                extensions = {
                    "cost": {
                        "requestedQueryCost": cost,
                        "actualQueryCost": None,
                        "throttleStatus": status,
                    }
                }
                errors = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
                return JSONResponse({"errors": errors, "extensions": extensions})
            data = HANDLERS[operation](state, variables)
        cost_info = {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status}
        return JSONResponse({"data": data, "extensions": {"cost": cost_info}})

    return router
