"""Webhook intake in the API process: what one signed webhook costs before it is
acknowledged, as shipped against the path it replaced, in the same run.

    python -m bench.webhook_intake [--webhooks 1000] [--rounds 6] [--sqlite]

A WooCommerce channel connected the documented way (a stored, encrypted connection) on a
fresh PostgreSQL database (or a temporary SQLite file). Timed per webhook: verify,
archive, commit, and hand on to the queue (the enqueue itself is a no-op here: the broker
is not what is measured; the database is dropped at the end). Rounds alternate between
(a) shipped: the channel's connector kept for `HUB_WEBHOOK_CONNECTOR_TTL` seconds and
    the intake mark written in the archive's own transaction, and
(b) baseline: the connector opened for every webhook (channel, stored connection,
    decryption) and the intake signalled in a second transaction after the commit,
so machine load hits both alike. Prints median wall and CPU milliseconds per webhook;
the last line is `ratio_wall=<baseline/shipped> ratio_cpu=<baseline/shipped>`.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy.orm import Session

from connectors.simulator import SimState, signed_webhook
from connectors.simulator.state import Listing, woo_order
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db.migrate import upgrade
from hub.domain.money import Money
from hub.services import catalog, connections, inventory, triggers
from hub.services.sync_context import KeptConnectors, SyncContext
from hub.services.webhooks import receive

SECRET = "bench-" + "k" * 40


def _enqueue(kind: str, tenant_id: int, channel_id: int, delay: float) -> None:
    """The queue is not measured."""


class Shipped:
    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], object]:
        return triggers.mark_intake(self.ctx, session, tenant_id, channel_id, _enqueue)


class Baseline:
    """Before: the API signalled the intake after the archive had committed."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], object]:
        ids = list(inbox_ids)
        return lambda: triggers.signal_inbox(self.ctx, tenant_id, ids, _enqueue)


def database(sqlite: bool) -> str:
    if sqlite:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'webhooks.db'}"
    name = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def seed(hub: Hub, state: SimState) -> tuple[int, int]:
    tenant = catalog.create_tenant(hub.uow(), "webhooks", "Webhook bench")
    assert tenant.id is not None
    catalog.create_warehouse(hub.uow(tenant.id), "BER", "Berlin", country="DE")
    catalog.create_sku(hub.uow(tenant.id), "S-1", "S-1", Money.of("10.00", "USD"))
    inventory.adjust_to_count(hub.uow(tenant.id), "BER", "S-1", 10**6, actor="bench", reason="seed")
    channel = catalog.create_channel(hub.uow(tenant.id), "woo", "woocommerce", "USD")
    assert channel.id is not None
    values = {
        "store_url": "http://127.0.0.1:9",  # never called: verifying needs no store
        "consumer_key": state.woo_key,
        "consumer_secret": state.woo_secret,
        "webhook_secret": state.woo_webhook_secret,
    }
    connections.add_connection(
        hub.uow(tenant.id), hub.secret_box, hub.connectors, connector="woocommerce",
        display_name="woo", values=values, channel="woo",
    )  # fmt: skip
    return tenant.id, channel.id


def timed(
    ctx: SyncContext, dispatcher: Shipped | Baseline, channel_id: int, bodies: list
) -> tuple[list[float], list[float]]:  # type: ignore[type-arg]
    walls, cpus = [], []
    for headers, raw in bodies:
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = receive(ctx, channel_id, headers, raw, dispatcher)  # type: ignore[arg-type]
        assert outcome.outcome == "accepted" and outcome.hand_on is not None, outcome
        outcome.hand_on()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    url = database(args.sqlite)
    upgrade(url)
    hub = Hub(Settings(database_url=url, secret_key=SECRET))
    state = SimState()
    listing = Listing("S-1", Decimal("10.00"), 40001, 30001, 901)
    _, channel_id = seed(hub, state)
    shipped_ctx = hub.sync
    settings = shipped_ctx.settings.model_copy(update={"webhook_connector_ttl": 0.0})
    baseline_ctx = dataclasses.replace(shipped_ctx, settings=settings, kept=KeptConnectors())
    paths = {"shipped": (shipped_ctx, Shipped(shipped_ctx)),
             "baseline": (baseline_ctx, Baseline(baseline_ctx))}  # fmt: skip
    results: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in paths}
    per_round, n = max(1, args.webhooks // (2 * args.rounds)), 0
    for _ in range(args.rounds):
        for name, (ctx, dispatcher) in paths.items():
            bodies = []
            for _ in range(per_round):
                n += 1
                order = woo_order(n, [(listing, 1)], datetime.now(UTC))
                bodies.append(signed_webhook(state, "woocommerce", "order.created", order))
            walls, cpus = timed(ctx, dispatcher, channel_id, bodies)
            results[name][0].extend(walls)
            results[name][1].extend(cpus)
    medians = {
        name: (statistics.median(w), statistics.median(c)) for name, (w, c) in results.items()
    }
    for name, (wall, cpu) in medians.items():
        print(f"{name}: {len(results[name][0])} webhooks, median wall={wall * 1000:.2f} ms"
              f" cpu={cpu * 1000:.2f} ms")  # fmt: skip
    s, b = medians["shipped"], medians["baseline"]
    print(f"ratio_wall={b[0] / s[0]:.2f} ratio_cpu={b[1] / s[1]:.2f}")
    hub.engine.dispose()
    if not args.sqlite:
        drop(url)


def drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
