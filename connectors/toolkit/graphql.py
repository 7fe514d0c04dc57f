"""GraphQL over the HTTP toolkit: top-level ``errors`` turned into classified failures.

A GraphQL server answers 200 with ``{"errors": [...]}`` when a query fails; Shopify
also answers a throttled query that way (``extensions.code == "THROTTLED"``) and says
in ``extensions.cost`` how long the bucket needs to refill. This check raises
RateLimited with that wait, so the HTTP client's one retry layer sleeps and replays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from connectors.errors import ConnectorError, RateLimited
from connectors.toolkit.pagination import JsonPath, dig

__all__ = ["GraphQLError", "graphql_errors", "throttle_wait", "user_errors"]


class GraphQLError(ConnectorError):
    """The server refused the query itself (syntax, unknown field, access denied)."""


def throttle_wait(body: Any) -> float | None:
    """Seconds until the bucket holds the query's cost again, from ``extensions.cost``."""
    cost = dig(body, ("extensions", "cost"))
    if not isinstance(cost, Mapping):
        return None
    status = cost.get("throttleStatus") or {}
    requested = cost.get("requestedQueryCost")
    available = status.get("currentlyAvailable")
    rate = status.get("restoreRate")
    if requested is None or available is None or not rate:
        return None
    return max(0.0, (float(requested) - float(available)) / float(rate))


def _throttled(error: Any) -> bool:
    code = dig(error, ("extensions", "code")) if isinstance(error, dict) else None
    return code == "THROTTLED" or (isinstance(error, dict) and error.get("message") == "Throttled")


def graphql_errors(response: requests.Response) -> None:
    """A response check for ``RestStorefrontConnector.response_checks``."""
    if response.status_code not in (200, 429):
        return
    try:
        body = response.json()
    except ValueError:
        return
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return
    if isinstance(errors, list) and any(_throttled(e) for e in errors):
        wait = throttle_wait(body)
        raise RateLimited("GraphQL query throttled", retry_after=wait if wait else 1.0)
    messages = (
        errors
        if isinstance(errors, str)
        else "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    )
    raise GraphQLError(f"GraphQL errors: {messages}")


def user_errors(body: Any, path: JsonPath) -> Sequence[dict[str, Any]]:
    """A mutation's ``userErrors`` list (empty when it succeeded)."""
    found = dig(body, (*path, "userErrors"))
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []
