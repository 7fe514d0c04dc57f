"""eBay Finances API: payouts since a date, and the transactions of each payout, paged
by offset through the toolkit. The Finances API lives on apiz.ebay.com and needs the
seller's consent to the sell.finances scope (EbayConfig.finances).
https://developer.ebay.com/api-docs/sell/finances/resources/payout/methods/getPayouts
https://developer.ebay.com/api-docs/sell/finances/resources/transaction/methods/getTransactions
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import RawPayout, UnsupportedCapability
from connectors.toolkit import OffsetPaginator, PageRequest
from hub.domain.settlements import Settlement
from mapping.payouts import ebay as payout_mapping

__all__ = ["FINANCES_SCOPE", "EbayPayouts"]

FINANCES_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.finances"


class EbayPayouts:
    """Mixed into EbayConnector (which brings `_send` and the config)."""

    _send: Callable[[PageRequest], requests.Response]
    config: Any

    def _finances_url(self, path: str) -> str:
        if not self.config.finances:
            raise UnsupportedCapability(
                "ebay: payouts need the sell.finances scope: reconnect with finances=true"
            )
        return f"{self.config.finances_url.rstrip('/')}/sell/finances/v1/{path}"

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        first = PageRequest(
            self._finances_url("payout"),
            params={"filter": f"payoutDate:[{stamp}..]", "sort": "payoutDate"},
        )
        paginator = OffsetPaginator(limit=200, total_path=("total",))

        def payouts(response: requests.Response) -> Sequence[Any]:
            return list(response.json().get("payouts") or [])

        for page, _ in paginator.pages(self._send, first, payouts):
            for payout in page:
                pid = str(payout["payoutId"])
                yield RawPayout(pid, {"payout": payout, "transactions": self._transactions(pid)})

    def _transactions(self, payout_id: str) -> list[Any]:
        first = PageRequest(
            self._finances_url("transaction"), params={"filter": f"payoutId:{{{payout_id}}}"}
        )
        paginator = OffsetPaginator(limit=1000, total_path=("total",))
        found: list[Any] = []

        def transactions(response: requests.Response) -> Sequence[Any]:
            return list(response.json().get("transactions") or [])

        for page, _ in paginator.pages(self._send, first, transactions):
            found += page
        return found

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        return payout_mapping.map_payout(raw.payload, channel)
