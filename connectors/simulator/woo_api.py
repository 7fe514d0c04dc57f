"""The WooCommerce wc/v3 subset the connector uses, answered from SimState.

Basic auth (HTTPS-style) or OAuth 1.0a query parameters (plain HTTP; the signature is
not re-computed here: the connector's signing is unit-tested against the docs); pages
with ``X-WP-Total`` / ``X-WP-TotalPages``; batches capped at 100 like core; a host-style
rate limit answering 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import base64
import math
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.simulator.state import SimState

__all__ = ["woo_router"]

BASE = "/wp-json/wc/v3"


def _error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status)


def _refused(state: SimState, request: Request) -> Response | None:
    header = request.headers.get("Authorization", "")
    basic = f"{state.woo_key}:{state.woo_secret}".encode()
    signed = request.query_params.get("oauth_consumer_key") == state.woo_key
    if header != "Basic " + base64.b64encode(basic).decode() and not signed:
        return _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
    with state.lock:
        state.calls[f"woo:{request.method} {request.url.path}"] += 1
        fits, wait = state.woo_bucket.take(1)
    if not fits:
        return JSONResponse(
            {"code": "too_many_requests", "message": "Slow down."},
            429,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return None


async def _outage(state: SimState) -> Response | None:
    """The store's trouble, if the bench set one (SimState.woo_outage)."""
    if state.woo_outage == "slow":
        await asyncio.sleep(state.slow_seconds)
    elif state.woo_outage == "throttle":
        body = {"code": "too_many_requests", "message": "Slow down."}
        return JSONResponse(body, 429, headers={"Retry-After": "2"})
    elif state.woo_outage == "down":
        return _error("service_unavailable", "Service unavailable", 503)
    return None


def _batch(state: SimState, body: dict[str, Any]) -> Response:
    updates = body.get("update") or []
    if len(updates) > 100:
        return _error("rest_batch_too_many_requests", "Unable to accept more than 100 items", 413)
    answered = []
    with state.lock:
        for item in updates:
            product = int(item["id"])
            if product not in state.woo_stock:
                error = {
                    "code": "woocommerce_rest_product_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 400},
                }
                answered.append({"id": product, "error": error})
                continue
            state.woo_stock[product] = int(item["stock_quantity"])
            state.log_write(str(product), int(item["stock_quantity"]))
            answered.append(
                {"id": product, "stock_quantity": item["stock_quantity"], "manage_stock": True}
            )
    return JSONResponse({"update": answered})


def woo_router(state: SimState) -> APIRouter:
    router = APIRouter(prefix=BASE)

    @router.get("/orders")
    def orders(request: Request) -> Response:
        refused = _refused(state, request)
        if refused:
            return refused
        q = request.query_params
        since = q.get("modified_after", "1970-01-01T00:00:00")
        per_page, page = int(q.get("per_page", 10)), int(q.get("page", 1))
        with state.lock:
            found = sorted(
                (o for o in state.woo_orders.values() if o["date_modified_gmt"] > since),
                key=lambda o: (o["date_created_gmt"], o["id"]),
            )
        pages = max(1, math.ceil(len(found) / per_page))
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)}
        return JSONResponse(chunk, headers=headers)

    @router.get("/orders/{order_id}")
    def order(order_id: int, request: Request) -> Response:
        refused = _refused(state, request)
        if refused:
            return refused
        found = state.woo_orders.get(order_id)
        if found is None:
            return _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
        return JSONResponse(found)

    @router.get("/orders/{order_id}/refunds")
    def refunds(order_id: int, request: Request) -> Response:
        return _refused(state, request) or JSONResponse([])

    @router.put("/orders/{order_id}")
    async def update_order(order_id: int, request: Request) -> Response:
        refused = _refused(state, request)
        if refused:
            return refused
        with state.lock:
            found = state.woo_orders[order_id]
            found.update({k: v for k, v in (await request.json()).items() if k == "status"})
        return JSONResponse(found)

    @router.post("/orders/{order_id}/notes")
    async def note(order_id: int, request: Request) -> Response:
        refused = _refused(state, request)
        return refused or JSONResponse({"id": 1, **(await request.json())}, 201)

    @router.post("/products/batch")
    async def batch(request: Request) -> Response:
        trouble = await _outage(state)
        return trouble or _refused(state, request) or _batch(state, await request.json())

    @router.post("/products/{product_id}/variations/batch")
    async def variation_batch(product_id: int, request: Request) -> Response:
        trouble = await _outage(state)
        return trouble or _refused(state, request) or _batch(state, await request.json())

    return router
