"""The shared rate budget on the real Redis: workers in separate processes never take
more than the budget allows, however they interleave."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator

import pytest
import redis

from connectors.toolkit import RateLimit, RedisRateBudgets, RedisTokenBucket, acquire

REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = 4


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield connection
    connection.close()


@pytest.fixture
def key(client: redis.Redis) -> Iterator[str]:
    name = f"hub-test:rate:{uuid.uuid4().hex}"
    yield name
    client.delete(name)


def _grab(key: str, limit: RateLimit, attempts: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    bucket = RedisTokenBucket(redis.Redis.from_url(REDIS_URL), key, limit)
    out.put(sum(bucket.try_acquire().granted for _ in range(attempts)))


def _acquire(key: str, limit: RateLimit, grants: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    bucket = RedisTokenBucket(redis.Redis.from_url(REDIS_URL), key, limit)
    out.put([acquire(bucket, max_wait=60).at_ms for _ in range(grants)])


def _run(target: object, *args: object) -> list[object]:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, out)) for _ in range(WORKERS)]  # type: ignore[arg-type]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
        assert p.exitcode == 0
    return results


def test_four_processes_racing_for_a_burst_get_exactly_its_capacity(key: str) -> None:
    # Practically no refill: whatever the interleaving, exactly `capacity` grants exist.
    limit = RateLimit(capacity=50, rate=1e-6)
    granted = _run(_grab, key, limit, 40)
    assert sum(granted) == 50  # type: ignore[arg-type]


def test_four_processes_sharing_a_budget_never_exceed_it_in_any_window(key: str) -> None:
    limit = RateLimit(capacity=5, rate=20.0)
    stamps = sorted(t for batch in _run(_acquire, key, limit, 10) for t in batch)  # type: ignore[attr-defined]
    assert len(stamps) == WORKERS * 10
    # Grants are stamped by Redis' clock. In any window [t_i, t_j], a token bucket can
    # hand out at most its burst plus what refilled during the window (+1 for ms rounding).
    worst = max(
        (j - i + 1) - (limit.capacity + limit.rate * (stamps[j] - stamps[i]) / 1000)
        for i in range(len(stamps))
        for j in range(i, len(stamps))
    )
    assert worst <= 1


def test_a_platform_counter_seen_by_one_worker_holds_back_the_others(
    client: redis.Redis, key: str
) -> None:
    prefix = key
    first = RedisRateBudgets(client, prefix).budget("t1:c1", "rest", RateLimit(40, 2))
    other = RedisRateBudgets(redis.Redis.from_url(REDIS_URL), prefix).budget(
        "t1:c1", "rest", RateLimit(40, 2)
    )
    assert other.try_acquire().granted
    first.observe(remaining=0)  # e.g. X-Shopify-Shop-Api-Call-Limit: 40/40
    refused = other.try_acquire()
    assert not refused.granted and 0 < refused.wait <= 0.5
    client.delete(f"{prefix}:t1:c1:rest")


def test_budgets_of_different_connections_are_independent(client: redis.Redis, key: str) -> None:
    budgets = RedisRateBudgets(client, key)
    one = budgets.budget("t1:c1", "rest", RateLimit(1, 1e-6))
    two = budgets.budget("t1:c2", "rest", RateLimit(1, 1e-6))
    assert one.try_acquire().granted and not one.try_acquire().granted
    assert two.try_acquire().granted
    client.delete(f"{key}:t1:c1:rest", f"{key}:t1:c2:rest")
