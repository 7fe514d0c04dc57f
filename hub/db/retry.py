"""Retry a whole transaction when PostgreSQL aborts it for a reason that a retry fixes."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

# deadlock_detected, serialization_failure, lock_not_available (lock_timeout), and
# unique_violation (two transactions creating the same row: the retry finds it).
RETRIABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03", "23505"})


def is_retriable(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RETRIABLE_SQLSTATES


def with_retries(
    transaction: Callable[[], T], *, attempts: int = 8, base_delay: float = 0.005
) -> T:
    """Run `transaction` (which opens and commits its own unit of work) until it commits
    or fails for a non-retriable reason. Full jitter keeps retrying workers apart."""
    for attempt in range(1, attempts + 1):
        try:
            return transaction()
        except DBAPIError as exc:
            if attempt == attempts or not is_retriable(exc):
                raise
            time.sleep(random.uniform(0, base_delay * 2**attempt))
    raise AssertionError("unreachable")
