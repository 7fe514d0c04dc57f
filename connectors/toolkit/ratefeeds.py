"""Turn a platform's own rate counters into budget observations.

Each feeder takes a response and tells the budget what the platform knows better than
we do. A connector names its feeder as a class attribute; the HTTP client calls it
after every response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from connectors.toolkit.ratelimit import RateBudget

Feeder = Callable[[requests.Response, RateBudget], None]


def shopify_call_limit(response: requests.Response, budget: RateBudget) -> None:
    """``X-Shopify-Shop-Api-Call-Limit: 32/40``: 8 requests left in the leaky bucket."""
    raw = response.headers.get("X-Shopify-Shop-Api-Call-Limit")
    if not raw or "/" not in raw:
        return
    used, _, size = raw.partition("/")
    try:
        budget.observe(remaining=float(size) - float(used))
    except ValueError:
        return


def shopify_graphql_throttle(response: requests.Response, budget: RateBudget) -> None:
    """GraphQL cost points: ``extensions.cost.throttleStatus`` (budget units = points)."""
    try:
        body: Any = response.json()
    except ValueError:
        return
    status = _dig(body, "extensions", "cost", "throttleStatus")
    if isinstance(status, Mapping):
        available = status.get("currentlyAvailable")
        restore = status.get("restoreRate")
        budget.observe(
            remaining=float(available) if available is not None else None,
            rate=float(restore) if restore else None,
        )


def amazon_rate_limit(response: requests.Response, budget: RateBudget) -> None:
    """``x-amzn-RateLimit-Limit: 0.0167``: the operation's applied rate (requests/s)."""
    raw = response.headers.get("x-amzn-RateLimit-Limit")
    if raw:
        try:
            budget.observe(rate=float(raw))
        except ValueError:
            return


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
