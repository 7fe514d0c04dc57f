"""Every platform's ways in for the fuzz harness: the seeds (the documented sample order
and the cited golden cases of tests/golden), how a seed is renumbered, the platform's
pull answered with `responses` in the shape of its official API, and the signed webhook
of the platforms that have one (Shopify, WooCommerce).

Besides the record itself, a pull reads parts of some records by calls of their own
(WooCommerce refunds, Amazon getOrderItems, Shopify's further lineItems pages). The
shared edge faults replace such an answer with what a platform or a proxy may send
instead: a 400, a 404, or a body that is not in the documented shape.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses

from connectors.shop_platforms.shopify import queries as shopify_queries
from connectors.toolkit import hmac_sha256_base64
from tests.contract import amazon_docs, ebay_docs, medusa_docs, shopify_docs
from tests.golden.cases import load
from tests.golden.pulls import AMAZON, EBAY, MEDUSA
from tests.integration.stored_connection import API, woo_order
from tests.integration.stored_connection import webhook_headers as woo_headers

__all__ = [
    "FAULTS",
    "PULL_SEEDS",
    "SHOPIFY_SECRET",
    "SHOPIFY_SHOP",
    "WEBHOOK_SEEDS",
    "Fault",
    "expected_id",
    "renumber",
    "serve_pull",
    "webhook_request",
]

SHOPIFY_SHOP = "https://fuzz.myshopify.com"
SHOPIFY_SECRET = "shopify-fuzz-secret"
SHOPIFY_GRAPHQL = f"{SHOPIFY_SHOP}/admin/api/{shopify_queries.API_VERSION}/graphql.json"


@dataclass(frozen=True)
class Fault:
    """An answer in place of the documented one: ``status`` with ``body`` (JSON) or
    ``text`` (not JSON)."""

    status: int = 200
    body: Any = None
    text: str | None = None

    def add(self, answers: list[tuple[int, dict[str, str], str]]) -> None:
        payload = self.text if self.text is not None else json.dumps(self.body)
        answers.append((self.status, {"Content-Type": "application/json"}, payload))


# None: the documented answer. The rest: what an edge may send instead.
FAULTS: tuple[Fault | None, ...] = (
    None,
    None,
    None,
    Fault(400, {"errors": [{"code": "InvalidInput", "message": "Invalid input."}]}),
    Fault(404, {"errors": [{"code": "NotFound", "message": "Not found."}]}),
    Fault(200, {}),
    Fault(200, []),
    Fault(200, "x"),
    Fault(200, None),
    Fault(200, {"payload": None, "data": None}),
    Fault(200, {"payload": {"OrderItems": "x"}, "data": {"order": {"lineItems": "x"}}}),
    Fault(200, text="<html>upstream timed out</html>"),
)


# ---- seeds ----------------------------------------------------------------------------


def _amazon_sample() -> dict[str, Any]:
    order = amazon_docs.order(1)
    item = amazon_docs.item(1, qty=2)
    page = {"payload": {"AmazonOrderId": "", "OrderItems": [item]}}
    return {"Order": order, "OrderItemsPages": [page]}


def _golden(platform: str, *paths: str) -> list[Any]:
    return [copy.deepcopy(c.payload) for c in load(platform) if not paths or c.path in paths]


def _woo_golden() -> list[Any]:
    seeds = []
    for case in load("woocommerce"):
        refunds = [body for path, body in case.http.items() if path.endswith("/refunds")]
        seeds.append({**case.payload, "_refunds": refunds[0] if refunds else []})
    return seeds


# What a pull lists (the first seed of each is the documented sample whose SKUs the
# fuzz world links to stock; the golden cases' SKUs stay unlinked, their orders held).
PULL_SEEDS: dict[str, list[Any]] = {
    "woocommerce": [woo_order(1, "2026-11-01T10:00:00"), *_woo_golden()],
    "shopify": [shopify_docs.order(1), *_golden("shopify", "graphql")],
    "amazon": [_amazon_sample(), *_golden("amazon")],
    "ebay": [ebay_docs.order(1), *_golden("ebay")],
    "medusa": [medusa_docs.order(1), *_golden("medusa")],
}
# What a signed webhook carries (Shopify's are REST-shaped).
WEBHOOK_SEEDS: dict[str, list[Any]] = {
    "woocommerce": PULL_SEEDS["woocommerce"],
    "shopify": [shopify_docs.order(1), *_golden("shopify", "webhook")],
}


def renumber(platform: str, seed: Any, n: int) -> Any:
    """A copy of ``seed`` with the order's ids made unique (``n``), before mutation."""
    doc = copy.deepcopy(seed)
    if platform == "woocommerce":
        doc["id"] = n
        doc["number"] = str(n)
    elif platform == "shopify":
        gid = f"gid://shopify/Order/{n}"
        if "admin_graphql_api_id" in doc:  # REST (webhook)
            doc.update(id=n, admin_graphql_api_id=gid)
        else:
            doc.update(id=gid, legacyResourceId=str(n))
    elif platform == "amazon":
        order_id = f"900-{n:07d}-0000000"
        doc["Order"]["AmazonOrderId"] = order_id
        for page in doc["OrderItemsPages"]:
            page["payload"]["AmazonOrderId"] = order_id
    elif platform == "ebay":
        doc["orderId"] = f"27-{n:05d}-00000"
    else:
        doc["id"] = f"order_fz{n:06d}"
    return doc


def expected_id(platform: str, payload: Any) -> str | None:
    """The platform id a listed (or delivered) ``payload`` names, when usable."""
    if platform == "amazon":
        payload = payload.get("Order") if isinstance(payload, dict) else None
    if not isinstance(payload, dict):
        return None
    if platform == "shopify":
        raw = payload.get("admin_graphql_api_id") or payload.get("id")
    else:
        field = {"woocommerce": "id", "amazon": "AmazonOrderId", "ebay": "orderId"}
        raw = payload.get(field.get(platform, "id"))
    # As the connectors read it: any value but a missing or empty one, as text.
    if raw is None or raw == "" or (platform in ("shopify", "medusa") and not raw):
        return None
    return str(raw)


# ---- pulls ------------------------------------------------------------------------------


def _answer(documented: Any, fault: Fault | None) -> tuple[int, dict[str, str], str]:
    answers: list[tuple[int, dict[str, str], str]] = []
    (fault or Fault(200, documented)).add(answers)
    return answers[0]


def _serve_woocommerce(
    api: responses.RequestsMock, payloads: list[Any], fault: Fault | None
) -> None:
    refunds = {}
    listed = []
    for payload in payloads:
        if isinstance(payload, dict):
            refunds[str(payload.get("id"))] = payload.pop("_refunds", [])
        listed.append(payload)
    api.get(f"{API}orders", json=listed, headers={"X-WP-TotalPages": "1"})

    def refunds_of(request: Any) -> tuple[int, dict[str, str], str]:
        order_id = urlsplit(request.url).path.split("/")[-2]
        return _answer(refunds.get(order_id, []), fault)

    api.add_callback(responses.GET, re.compile(rf"{re.escape(API)}orders/.+/refunds"), refunds_of)


def _split_lines(node: Any) -> tuple[Any, list[Any]]:
    """An order node as the ORDERS query answers it (the first lines of a connection with
    pageInfo) and the lines left for ORDER_LINES."""
    lines = node.get("lineItems") if isinstance(node, dict) else None
    nodes = lines.get("nodes") if isinstance(lines, dict) else None
    info = lines.get("pageInfo", {}) if isinstance(lines, dict) else None
    if not isinstance(nodes, list) or not isinstance(info, dict) or info.get("hasNextPage"):
        return node, []  # already paged, or its pageInfo mutated: as it is
    cut = min(100, max(1, (len(nodes) + 1) // 2))
    more = len(nodes) > cut
    first = {**lines, "nodes": nodes[:cut],
             "pageInfo": {"hasNextPage": more, "endCursor": "c1" if more else None}}  # fmt: skip
    return {**node, "lineItems": first}, nodes[cut:]


def _serve_shopify(api: responses.RequestsMock, payloads: list[Any], fault: Fault | None) -> None:
    listed, rest = [], {}
    for payload in payloads:
        node, left = _split_lines(payload)
        listed.append(node)
        if isinstance(node, dict) and left:
            rest[str(node.get("id"))] = left

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body or b"{}")
        if sent.get("query") == shopify_queries.ORDER_LINES:
            lines = rest.get(str(sent["variables"].get("id")), [])
            page = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": lines}
            return _answer({"data": {"order": {"lineItems": page}}}, fault)
        info = {"hasNextPage": False, "endCursor": None}
        return _answer({"data": {"orders": {"pageInfo": info, "nodes": listed}}}, None)

    api.add_callback(responses.POST, SHOPIFY_GRAPHQL, answer)


def _serve_amazon(api: responses.RequestsMock, payloads: list[Any], fault: Fault | None) -> None:
    orders, pages = [], {}
    for payload in payloads:
        if not isinstance(payload, dict) or "Order" not in payload:
            orders.append(payload)
            continue
        orders.append(payload["Order"])
        order_id = expected_id("amazon", payload)
        if order_id is not None and isinstance(payload.get("OrderItemsPages"), list):
            pages[order_id] = payload["OrderItemsPages"]
    body = {"payload": {"Orders": orders, "LastUpdatedBefore": "2026-12-01T00:00:00Z"}}
    api.get(AMAZON + "orders/v0/orders", json=body)
    missing = Fault(404, {"errors": [{"code": "NotFound", "message": "Invalid AmazonOrderId"}]})

    def items(request: Any) -> tuple[int, dict[str, str], str]:
        order_id = urlsplit(request.url).path.split("/")[-2]
        token = parse_qs(urlsplit(request.url).query).get("NextToken", [None])[0]
        asked = None
        for page in pages.get(unquote(order_id), []):
            inner = page.get("payload") if isinstance(page, dict) else None
            if asked == token:
                return _answer(page, fault)
            asked = inner.get("NextToken") if isinstance(inner, dict) else None
        return _answer(None, missing)

    orders_items = re.compile(rf"{re.escape(AMAZON)}orders/v0/orders/[^/]+/orderItems")
    api.add_callback(responses.GET, orders_items, items)


def _serve_ebay(api: responses.RequestsMock, payloads: list[Any], fault: Fault | None) -> None:
    page = {"href": EBAY, "limit": 100, "offset": 0, "total": len(payloads), "orders": payloads}
    api.get(EBAY + "sell/fulfillment/v1/order", json=page)


def _serve_medusa(api: responses.RequestsMock, payloads: list[Any], fault: Fault | None) -> None:
    page = {"count": len(payloads), "offset": 0, "limit": 50, "orders": payloads}
    api.get(MEDUSA + "admin/orders", json=page)


_SERVE: dict[str, Callable[[responses.RequestsMock, list[Any], Fault | None], None]] = {
    "woocommerce": _serve_woocommerce,
    "shopify": _serve_shopify,
    "amazon": _serve_amazon,
    "ebay": _serve_ebay,
    "medusa": _serve_medusa,
}


def serve_pull(
    api: responses.RequestsMock, platform: str, payloads: list[Any], fault: Fault | None
) -> None:
    """Answer one pull listing ``payloads`` (one page), the calls for parts of a record
    answered by ``fault`` when given."""
    _SERVE[platform](api, payloads, fault)


# ---- webhooks ---------------------------------------------------------------------------


def webhook_request(platform: str, payload: Any, delivery: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one signed delivery (orders/updated, order.updated)."""
    if isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if k != "_refunds"}
    if platform == "woocommerce":
        body = json.dumps(payload).encode()
        return body, woo_headers(body, delivery)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return body, {
        "X-Shopify-Hmac-SHA256": hmac_sha256_base64(SHOPIFY_SECRET, body),
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Webhook-Id": delivery,
    }
