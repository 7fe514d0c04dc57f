"""Connector-side instruments on the default Prometheus registry (the hub exports them)."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["RATE_BUDGET_WAITS", "RATE_BUDGET_WAIT_SECONDS"]

RATE_BUDGET_WAITS = Counter(
    "hub_rate_budget_waits", "Times a connector waited for its rate budget", ["budget"]
)
RATE_BUDGET_WAIT_SECONDS = Counter(
    "hub_rate_budget_wait_seconds", "Seconds connectors spent waiting for rate budgets"
)
