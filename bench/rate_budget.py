"""Cost of the shared rate budget: one atomic Lua token-bucket call against a bare PING.

    python -m bench.rate_budget

Against the Redis at HUB_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0), 4 worker
processes each make N calls of (a) PING, the cheapest possible round trip, and (b)
RedisTokenBucket.try_acquire on one shared bucket with an unbounded budget. Each figure
is the median of 5 rounds in calls per second over all workers. The last line is
`ping_per_s=<n> budget_per_s=<n> ratio=<budget/ping>`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import time
import uuid

import redis

from connectors.toolkit.ratelimit import RateLimit, RedisTokenBucket

URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = 4
CALLS = 2000
ROUNDS = 5


def _worker(kind: str, key: str, start: mp.synchronize.Barrier, out: mp.Queue) -> None:  # type: ignore[type-arg]
    client = redis.Redis.from_url(URL)
    bucket = RedisTokenBucket(client, key, RateLimit(capacity=1e12, rate=1e12))
    call = client.ping if kind == "ping" else bucket.try_acquire
    call()  # connect and load the script outside the timed loop
    start.wait()
    began = time.perf_counter()
    for _ in range(CALLS):
        call()
    out.put(time.perf_counter() - began)


def _round(kind: str, key: str) -> float:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start = ctx.Barrier(WORKERS)
    procs = [ctx.Process(target=_worker, args=(kind, key, start, out)) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    slowest: float = max(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join()
    return WORKERS * CALLS / slowest


def main() -> None:
    key = f"bench:rate:{uuid.uuid4().hex}"
    try:
        ping = statistics.median(_round("ping", key) for _ in range(ROUNDS))
        budget = statistics.median(_round("budget", key) for _ in range(ROUNDS))
    finally:
        redis.Redis.from_url(URL).delete(key)
    print(f"workers={WORKERS} calls_per_worker={CALLS} rounds={ROUNDS} (medians)")
    print(f"ping_per_s={ping:.0f} budget_per_s={budget:.0f} ratio={budget / ping:.2f}")


if __name__ == "__main__":
    main()
