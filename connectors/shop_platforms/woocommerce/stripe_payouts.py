"""Payouts of a WooCommerce shop paid through Stripe (the WooCommerce Stripe gateway):
Stripe payouts since a date, each with its balance transactions (``payout=po_...``,
sources expanded so the charge's ``metadata.order_id`` names the Woo order), paged with
``has_more`` / ``starting_after``. Needs a restricted key with read access to balance
and payouts (WooCommerceConfig.stripe_secret_key).
https://docs.stripe.com/api/payouts/list
https://docs.stripe.com/api/balance_transactions/list
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import requests
from pydantic import SecretStr

from connectors.base import RawPayout
from connectors.toolkit import (
    BearerAuth,
    ConnectorContext,
    HttpClient,
    PageRequest,
    RateLimit,
    StartingAfterPaginator,
)
from hub.domain.settlements import Settlement
from mapping.payouts import stripe as payout_mapping

__all__ = ["StripePayouts"]

# Stripe allows 100 read requests per second in live mode; stay well inside it.
STRIPE = RateLimit(capacity=25, rate=25.0)


class StripePayouts:
    """A PayoutSource over one Stripe account."""

    def __init__(
        self,
        secret_key: SecretStr,
        context: ConnectorContext,
        api_url: str = "https://api.stripe.com",
    ) -> None:
        budget = context.budgets.budget(context.connection_key, "stripe", STRIPE)
        self.http = HttpClient(
            api_url,
            auth=BearerAuth(secret_key),
            budget=budget,
            sleep=context.sleep,
            secrets=[secret_key.get_secret_value()],
        )

    def _send(self, request: PageRequest) -> requests.Response:
        return self.http.request(request.method, request.path, params=request.params)

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        first = PageRequest(
            "v1/payouts", params={"created[gte]": int(since.timestamp()), "limit": 100}
        )
        for page, _ in StartingAfterPaginator().pages(self._send, first, _data):
            for payout in page:
                pid = str(payout["id"])
                yield RawPayout(pid, {"payout": payout, "transactions": self._transactions(pid)})

    def _transactions(self, payout_id: str) -> list[Any]:
        first = PageRequest(
            "v1/balance_transactions",
            params={"payout": payout_id, "limit": 100, "expand[]": "data.source"},
        )
        found: list[Any] = []
        for page, _ in StartingAfterPaginator().pages(self._send, first, _data):
            found += page
        return found

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        return payout_mapping.map_payout(raw.payload, channel)


def _data(response: requests.Response) -> Sequence[Any]:
    return list(response.json().get("data") or [])
