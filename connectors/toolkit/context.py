"""What the hub hands a connector at construction: ``Connector(config, context)``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.toolkit.oauth import TokenStore
from connectors.toolkit.ratelimit import LocalRateBudgets, RateBudgets


@dataclass(frozen=True)
class ConnectorContext:
    # Names the connection in shared state (rate budgets): e.g. "t42:c7".
    connection_key: str = "default"
    budgets: RateBudgets = field(default_factory=LocalRateBudgets)
    # Where OAuth2 tokens live; the hub passes a store backed by the connections table.
    token_store: TokenStore | None = None
    # Injected so tests (and the contract kit) can see every wait without waiting.
    sleep: Callable[[float], None] = time.sleep
