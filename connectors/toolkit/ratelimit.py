"""A rate budget per (connection, API family), shared by every worker that calls it.

Token bucket: ``capacity`` requests may go at once, refilled at ``rate`` per second.
Redis holds the shared bucket (one Lua script makes take-a-token atomic across
processes and uses Redis' own clock, so workers on different machines agree); the
in-process bucket is the embedded default. Platforms that report their own counters
(Shopify's call limit, Amazon's x-amzn-RateLimit-Limit) feed them in through
:meth:`RateBudget.observe`, so the budget follows the platform rather than a guess.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from connectors.errors import RateLimited
from connectors.toolkit.metrics import RATE_BUDGET_WAIT_SECONDS, RATE_BUDGET_WAITS

if TYPE_CHECKING:  # the client is handed in; importing redis costs every CLI command ~0.3 s
    import redis


@dataclass(frozen=True)
class RateLimit:
    capacity: float  # burst size
    rate: float  # tokens per second


@dataclass(frozen=True)
class Grant:
    granted: bool
    wait: float  # seconds until enough tokens, when not granted
    at_ms: int  # the bucket's clock at the decision (for audits and tests)


class RateBudget(Protocol):
    key: str

    def try_acquire(self, cost: float = 1.0) -> Grant: ...

    def observe(self, remaining: float | None = None, rate: float | None = None) -> None:
        """Platform said: this many tokens are left / this is the real refill rate."""
        ...


# The longest a caller lets this thread sleep for a token (or a platform's Retry-After,
# see toolkit.http): None outside `in_process_wait`, so each call's own bound applies.
_WAIT_LIMIT: ContextVar[float | None] = ContextVar("rate_wait_limit", default=None)


@contextmanager
def in_process_wait(seconds: float) -> Iterator[None]:
    """Inside the block, a wait longer than ``seconds`` raises RateLimited (with the wait
    as retry_after) instead of sleeping: a queued run hands it to the queue as a
    countdown, so a worker slot never idles on one channel's budget."""
    token = _WAIT_LIMIT.set(seconds)
    try:
        yield
    finally:
        _WAIT_LIMIT.reset(token)


def wait_limit(default: float) -> float:
    """``default`` bounded by the enclosing `in_process_wait`, if any."""
    limit = _WAIT_LIMIT.get()
    return default if limit is None else min(default, limit)


def acquire(
    budget: RateBudget,
    cost: float = 1.0,
    *,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Grant:
    """Block until the budget grants ``cost``; refuse with RateLimited when the wait
    would exceed ``max_wait`` (a worker should not sit idle that long: the job retries)."""
    max_wait = wait_limit(max_wait)
    waited = 0.0
    while True:
        grant = budget.try_acquire(cost)
        if grant.granted:
            return grant
        if waited + grant.wait > max_wait:
            raise RateLimited(f"rate budget {budget.key} exhausted", retry_after=grant.wait)
        RATE_BUDGET_WAITS.labels(budget.key).inc()
        RATE_BUDGET_WAIT_SECONDS.inc(grant.wait)
        sleep(grant.wait)
        waited += grant.wait


class LocalTokenBucket:
    """In-process bucket: threads of one process share it (embedded default)."""

    def __init__(
        self, key: str, limit: RateLimit, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.key = key
        self.limit = limit
        self._rate = limit.rate
        self._clock = clock
        self._tokens = limit.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.limit.capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        return now

    def try_acquire(self, cost: float = 1.0) -> Grant:
        with self._lock:
            now = self._refill()
            if self._tokens >= cost:
                self._tokens -= cost
                return Grant(True, 0.0, int(now * 1000))
            return Grant(False, (cost - self._tokens) / self._rate, int(now * 1000))

    def observe(self, remaining: float | None = None, rate: float | None = None) -> None:
        with self._lock:
            self._refill()
            if rate is not None and rate > 0:
                self._rate = rate
            if remaining is not None:
                self._tokens = min(self._tokens, max(0.0, remaining))


# KEYS[1]: bucket hash. ARGV: capacity, default rate, cost, ttl_ms.
# The hash keeps tokens, the last refill time and an observed rate (if a platform
# reported one). TIME is Redis' clock: every worker sees the same one.
_ACQUIRE = """
local cap = tonumber(ARGV[1])
local rate = tonumber(redis.call('HGET', KEYS[1], 'rate') or ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or cap)
local stamp = tonumber(redis.call('HGET', KEYS[1], 'stamp') or now)
tokens = math.min(cap, tokens + math.max(0, now - stamp) * rate / 1000)
local granted = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  granted = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {granted, tostring(wait), now}
"""

# KEYS[1]: bucket hash. ARGV: remaining ('' = unknown), rate ('' = unknown), capacity.
_OBSERVE = """
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'rate', ARGV[2]) end
if ARGV[1] ~= '' then
  local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[3])
  local remaining = math.max(0, tonumber(ARGV[1]))
  if remaining < tokens then redis.call('HSET', KEYS[1], 'tokens', tostring(remaining)) end
end
return 1
"""


class RedisTokenBucket:
    """The shared budget: every process using the same Redis and key draws from it."""

    def __init__(self, client: redis.Redis, key: str, limit: RateLimit) -> None:
        self.key = key
        self.limit = limit
        self._client = client
        self._acquire = client.register_script(_ACQUIRE)
        self._observe = client.register_script(_OBSERVE)
        # Idle buckets vanish once they would be full again anyway.
        self._ttl_ms = int(max(60.0, 2 * limit.capacity / limit.rate) * 1000)

    def try_acquire(self, cost: float = 1.0) -> Grant:
        args = [self.limit.capacity, self.limit.rate, cost, self._ttl_ms]
        granted, wait, now = self._acquire(keys=[self.key], args=args)
        return Grant(bool(granted), float(wait), int(now))

    def observe(self, remaining: float | None = None, rate: float | None = None) -> None:
        args = ["" if remaining is None else remaining, "" if rate is None else rate]
        self._observe(keys=[self.key], args=[*args, self.limit.capacity])


class RateBudgets(Protocol):
    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget: ...


class LocalRateBudgets:
    """One bucket per (connection, family) for this process."""

    def __init__(self) -> None:
        self._buckets: dict[str, LocalTokenBucket] = {}
        self._lock = threading.Lock()

    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget:
        key = f"{connection_key}:{family}"
        with self._lock:
            if key not in self._buckets:
                self._buckets[key] = LocalTokenBucket(key, limit)
            return self._buckets[key]


class RedisRateBudgets:
    def __init__(self, client: redis.Redis, prefix: str = "hub:rate") -> None:
        self._client = client
        self._prefix = prefix

    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget:
        return RedisTokenBucket(self._client, f"{self._prefix}:{connection_key}:{family}", limit)
