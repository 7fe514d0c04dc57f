"""Shopify Payments payouts with their balance transactions (Admin GraphQL).

Payouts issued since a time (`issued_at:>=`), each with the balance transactions of
that payout (`payments_transfer_id:<payout legacy id>`), both paged by the toolkit's
cursor paginator. https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ShopifyPaymentsAccount
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import RawPayout
from connectors.shop_platforms.shopify import queries as q
from connectors.toolkit import CursorPaginator, PageRequest
from hub.domain.settlements import Settlement
from mapping.payouts import shopify as payout_mapping

__all__ = ["ShopifyPayouts"]


def _cursor(field: str) -> CursorPaginator:
    path = ("data", "shopifyPaymentsAccount", field)
    return CursorPaginator(
        cursor_path=(*path, "pageInfo", "endCursor"),
        has_more_path=(*path, "pageInfo", "hasNextPage"),
        body_path=("variables", "after"),
        param=None,
    )


def _nodes(field: str) -> Any:
    def of(response: requests.Response) -> Sequence[Any]:
        account = response.json()["data"]["shopifyPaymentsAccount"] or {}
        return list((account.get(field) or {}).get("nodes") or [])

    return of


class ShopifyPayouts:
    """Mixed into ShopifyConnector (which brings `_send` and the GraphQL path)."""

    _send: Callable[[PageRequest], requests.Response]  # the connector's, annotation only

    graphql_path = "graphql.json"
    payout_page_size = 50
    transaction_page_size = 100

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        first = PageRequest(
            self.graphql_path,
            json={
                "query": q.PAYOUTS,
                "variables": {"first": self.payout_page_size, "query": f"issued_at:>='{stamp}'"},
            },
            method="POST",
        )
        for payouts, _ in _cursor("payouts").pages(self._send, first, _nodes("payouts")):
            for payout in payouts:
                lines = self._transactions(str(payout["legacyResourceId"]))
                yield RawPayout(str(payout["id"]), {"payout": payout, "transactions": lines})

    def _transactions(self, legacy_id: str) -> list[Any]:
        first = PageRequest(
            self.graphql_path,
            json={
                "query": q.PAYOUT_TRANSACTIONS,
                "variables": {
                    "first": self.transaction_page_size,
                    "query": f"payments_transfer_id:{legacy_id}",
                },
            },
            method="POST",
        )
        found: list[Any] = []
        pages = _cursor("balanceTransactions").pages(
            self._send, first, _nodes("balanceTransactions")
        )
        for nodes, _ in pages:
            found += nodes
        return found

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        return payout_mapping.map_payout(raw.payload, channel)
