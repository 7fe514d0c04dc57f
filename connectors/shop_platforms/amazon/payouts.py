"""Amazon SP-API Finances v0: financial event groups (one per settlement / transfer) and
the financial events of each, both paged by NextToken through the toolkit.

Finances answers with JSON numbers for money (`CurrencyAmount`): they are parsed as
Decimal, never float. listFinancialEventGroups and listFinancialEventsByGroupId are
each metered at 0.5 requests/second with a burst of 30.
https://developer-docs.amazon.com/sp-api/docs/finances-api-reference
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from connectors.base import RawPayout
from connectors.toolkit import HttpClient, NextTokenPaginator, PageRequest, RateLimit
from hub.domain.settlements import Settlement
from mapping.payouts import amazon as payout_mapping

__all__ = ["AmazonPayouts"]

FINANCES = RateLimit(capacity=30, rate=0.5)


def _payload(response: requests.Response) -> Any:
    return response.json(parse_float=Decimal).get("payload") or {}


class AmazonPayouts:
    """Mixed into AmazonConnector (which brings `client_for`)."""

    client_for: Callable[[str, RateLimit], HttpClient]
    _finances_http: HttpClient | None = None

    def _finances(self, request: PageRequest) -> requests.Response:
        if self._finances_http is None:
            self._finances_http = self.client_for("finances", FINANCES)
        return self._finances_http.request(request.method, request.path, params=request.params)

    def iter_payouts(self, since: datetime) -> Iterator[RawPayout]:
        start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        first = PageRequest(
            "finances/v0/financialEventGroups",
            params={"FinancialEventGroupStartedAfter": start, "MaxResultsPerPage": 100},
        )

        def groups(response: requests.Response) -> Sequence[Any]:
            return list(_payload(response).get("FinancialEventGroupList") or [])

        for page, _ in NextTokenPaginator().pages(self._finances, first, groups):
            for group in page:
                gid = str(group["FinancialEventGroupId"])
                yield RawPayout(gid, {"group": group, "events": self._events(gid)})

    def _events(self, group_id: str) -> dict[str, list[Any]]:
        first = PageRequest(
            f"finances/v0/financialEventGroups/{group_id}/financialEvents",
            params={"MaxResultsPerPage": 100},
        )
        merged: dict[str, list[Any]] = {}

        def events(response: requests.Response) -> Sequence[Any]:
            found = _payload(response).get("FinancialEvents") or {}
            return [found] if found else []

        for page, _ in NextTokenPaginator().pages(self._finances, first, events):
            for lists in page:
                for name, items in lists.items():
                    merged.setdefault(name, []).extend(items or [])
        return merged

    def map_payout(self, raw: RawPayout, channel: str) -> Settlement:
        return payout_mapping.map_payout(raw.payload, channel)
