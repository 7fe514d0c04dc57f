"""Process-local Prometheus instruments the services update (exported by hub.metrics)."""

from __future__ import annotations

from prometheus_client import Histogram

__all__ = ["ALLOCATION_SECONDS"]

ALLOCATION_SECONDS = Histogram(
    "hub_allocation_seconds",
    "Time to allocate one order or one batch of orders (retries included)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
