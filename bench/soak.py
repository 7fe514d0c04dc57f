"""Soak: the production path from outside, raised until it falls behind.

    python -m bench.soak                       # 1, 2 and 4 intake processes, ~6 min
    python -m bench.soak --workers 2 --step-s 10 --max-steps 3 --no-outage   # short

For each worker count: a fresh PostgreSQL database (migrated, dropped at the end), a
RabbitMQ virtual host of its own (deleted at the end), Redis db 13 for the shared rate
budgets, and as separate processes: the API under uvicorn, a Celery worker on the
`ingest,allocation` queues with that many prefork processes (mapping is CPU-bound), a
Celery worker on `push` with threads (pushing is waiting on stores), and beat. The shops
are platform simulators on 127.0.0.1 (this process): each serves a WooCommerce and a
Shopify store; they are connected the documented way (stored, encrypted connections,
listings linked, the channels selling from one warehouse).

Orders are placed on the WooCommerce stores and arrive as signed `order.created`
webhooks at a steady rate, raised step by step (x1.6) until the hub falls behind (more
than three seconds of orders pending in the inbox at a step's end, or a stock event
older than five seconds); every fifth second a burst doubles the rate on one hot SKU.
An order's latency is from its webhook being sent (placed) to every other store holding
a figure that includes it (the simulators log every stock write). After the last step
the stream stops and the hub drains; then: lost = placed orders the hub does not hold,
oversold = balances with more reserved than on hand. With the outage on, the last run
then sends a half-rate stream while one store answers slowly, then 429, then 503, and
reports the other stores' p95 meanwhile and the troubled store's catch-up time.

Every loop is bounded by time; everything listens on loopback only. The last line:
`orders_per_s=.. p95_s=.. p99_s=.. scale_1_to_4=.. rss_growth_mb=.. oversold=0 lost=0`.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from kombu import Connection

from connectors.registry import default_registry
from connectors.simulator import LOCATION, SimState, SimulatorServer, signed_webhook
from connectors.simulator.state import woo_order
from hub.config import Settings
from hub.crypto import SecretBox
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.services import catalog, connections, inventory, listings, stock_policy

ADMIN_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "soak-" + "k" * 40
HOT = 3  # hot SKUs: half the orders, and the bursts
STOCK, HOT_STOCK = 1_000_000, 4000


@dataclass
class Placed:
    shop: int  # index of the WooCommerce store the order was placed on
    sku: str
    n: int  # the order's position among its SKU's orders (1-based)
    external_id: str
    sent: float = 0.0
    ok: bool = False


@dataclass
class Shops:
    sims: list[SimulatorServer]
    woo_channels: list[int] = field(default_factory=list)  # per sim
    shop_channels: list[int] = field(default_factory=list)

    def stores(self) -> list[tuple[int, str]]:
        """(sim index, platform) of every store."""
        return [(k, p) for k in range(len(self.sims)) for p in ("woocommerce", "shopify")]

    def key(self, store: tuple[int, str], sku: str) -> str:
        listing = self.sims[store[0]].state.listings[sku]
        if store[1] == "woocommerce":
            return str(listing.woo_product)
        return f"gid://shopify/InventoryItem/{listing.shopify_item}"


def sku_code(n: int) -> str:
    return f"S-{n:03d}"


# ---- setup -----------------------------------------------------------------------------


def seed(url: str, shops: Shops, skus: int) -> int:
    """Tenant, warehouse, SKUs with stock, and per simulator a Woo and a Shopify channel
    with a stored connection and linked listings; returns the tenant id."""
    factory = make_session_factory(make_engine(url))
    tenant = catalog.create_tenant(UnitOfWork(factory, None), "soak", "Soak")
    assert tenant.id is not None
    tenant_id = tenant.id

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, tenant_id)

    catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", priority=10)
    for n in range(skus):
        code = sku_code(n)
        catalog.create_sku(uow(), code, code, Money.of("10.00", "USD"))
        on_hand = HOT_STOCK if n < HOT else STOCK
        inventory.adjust_to_count(uow(), "BER", code, on_hand, actor="soak", reason="seed")
    box = SecretBox.from_settings(Settings(database_url=url, secret_key=SECRET))
    for k, sim in enumerate(shops.sims):
        state = sim.state
        for platform in ("woocommerce", "shopify"):
            name = f"{platform[:4]}-{k}"
            channel = catalog.create_channel(uow(), name, platform, "USD")
            assert channel.id is not None
            if platform == "woocommerce":
                shops.woo_channels.append(channel.id)
                values: dict[str, Any] = {
                    "store_url": sim.url,
                    "consumer_key": state.woo_key,
                    "consumer_secret": state.woo_secret,
                    "webhook_secret": state.woo_webhook_secret,
                }
            else:
                shops.shop_channels.append(channel.id)
                values = {
                    "shop_url": sim.url,
                    "access_token": state.shopify_token,
                    "client_secret": state.shopify_secret,
                }
            connections.add_connection(
                uow(), box, default_registry, connector=platform, display_name=name,
                values=values, channel=name,
            )  # fmt: skip
            stock_policy.set_warehouses(uow(), name, ["BER"])
            if platform == "shopify":
                with uow() as w:
                    row = w.channels.by_key(name)
                    row.settings = {**(row.settings or {}), "location_id": LOCATION}
                    w.commit()
            for code, item in state.listings.items():
                ids = (
                    {"channel_product_id": str(item.woo_product)}
                    if platform == "woocommerce"
                    else {"channel_inventory_item_id": f"gid://shopify/InventoryItem/{item.shopify_item}"}
                )  # fmt: skip
                listings.link_listing(uow(), name, code, code, **ids)
    return tenant_id


class Processes:
    """The hub's processes for one run; stopped (and their children) at the end."""

    def __init__(
        self, env: dict[str, str], workers: int, push_threads: int, api_procs: int, log_dir: Path
    ) -> None:
        self.env = {**os.environ, **env}
        self.port = _free_port()
        py = sys.executable
        celery = [py, "-m", "celery", "-A", "hub.celery_app"]
        quiet = ["--without-gossip", "--without-mingle", "-l", "WARNING"]
        self.commands = {
            "api": [py, "-m", "uvicorn", "--factory", "hub.api.asgi:app", "--host",
                    "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
                    "--no-access-log", "--workers", str(api_procs)],
            "intake": [*celery, "worker", "-Q", "ingest,allocation", "-P", "prefork",
                       "-c", str(workers), "-n", "intake@%h", *quiet],
            "push": [*celery, "worker", "-Q", "push", "-P", "threads", "-c",
                     str(push_threads), "-n", "push@%h", *quiet],
            "beat": [*celery, "beat", "-s", str(log_dir / "beat-schedule"), "-l", "WARNING"],
        }  # fmt: skip
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        for name, command in self.commands.items():
            log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - lives with the process
            self.procs[name] = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"the API did not start; see {self.log_dir}/api.log")
        time.sleep(4)  # the workers connect to the broker

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> dict[str, float]:
        """Resident memory per role (a worker with its pool children)."""
        return {name: sum(_rss(pid) for pid in _tree(p.pid)) for name, p in self.procs.items()}

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)  # our own session: the process and its pool
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
    return found


def _rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rabbit(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


# ---- load ------------------------------------------------------------------------------


class Stream:
    """Signed webhooks at a set rate from a pool of sender threads (keep-alive sessions);
    a refused or failed delivery is retried a few times, as platforms do."""

    def __init__(self, shops: Shops, api: str, skus: int, seed_: int = 7) -> None:
        self.shops, self.api, self.skus = shops, api, skus
        self.rng = random.Random(seed_)
        self.placed: list[Placed] = []
        self.per_sku: dict[str, int] = {}
        self.next_id = [100_000] * len(shops.sims)
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(48)
        self.failures = 0
        self.done = 0  # deliveries answered (or given up on)
        self.lock = threading.Lock()

    def in_flight(self) -> int:
        """Orders placed whose webhook the hub has not answered yet (the API's backlog)."""
        with self.lock:
            return len(self.placed) - self.done

    def acknowledged(self) -> int:
        return sum(1 for o in self.placed if o.ok)

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session  # type: ignore[no-any-return]

    def place(self, hot_sku: str | None) -> Placed:
        shop = self.rng.randrange(len(self.shops.sims))
        if hot_sku is not None:
            sku = hot_sku
        elif self.rng.random() < 0.5:
            sku = sku_code(self.rng.randrange(HOT))
        else:
            sku = sku_code(self.rng.randrange(HOT, self.skus))
        self.next_id[shop] += 1
        self.per_sku[sku] = self.per_sku.get(sku, 0) + 1
        order = Placed(shop, sku, self.per_sku[sku], str(self.next_id[shop]))
        order.sent = time.monotonic()  # placed now; the webhook may wait for a sender
        self.placed.append(order)
        self.pool.submit(self._send, order)
        return order

    def _send(self, order: Placed) -> None:
        sim = self.shops.sims[order.shop]
        listing = sim.state.listings[order.sku]
        body = woo_order(int(order.external_id), [(listing, 1)], datetime.now(UTC))
        headers, raw = signed_webhook(sim.state, "woocommerce", "order.created", body)
        url = f"{self.api}/webhooks/{self.shops.woo_channels[order.shop]}"
        for attempt in range(5):
            try:
                if self._session().post(url, data=raw, headers=headers, timeout=30).ok:
                    order.ok = True
                    with self.lock:
                        self.done += 1
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5 * (attempt + 1))
        with self.lock:
            self.failures += 1
            self.done += 1

    def run(self, rate: float, seconds: float, bursts: bool = True) -> None:
        """Place ``rate`` orders/s for ``seconds``; in every five seconds one hot SKU gets
        a burst of as many orders again."""
        start = time.monotonic()
        n = 0
        while (now := time.monotonic()) - start < seconds:
            due = int((now - start) * rate)
            while n < due:
                n += 1
                self.place(None)
            second = int(now - start)
            # Bursts mid-way between the step's ends, so a step's last sample sees the
            # steady stream's backlog, not a burst still in flight.
            if bursts and second % 5 == 2 and now - start - second < 1 / rate:
                hot = sku_code(self.rng.randrange(HOT))
                for _ in range(max(1, int(rate))):
                    self.place(hot)
            time.sleep(min(0.01, 1 / rate))


# ---- watching --------------------------------------------------------------------------


class Monitor:
    """Once a second: inbox and outbox backlog, the queues' depths, memory per process."""

    def __init__(self, url: str, broker: str, procs: Processes) -> None:
        self.engine = sa.create_engine(url, pool_size=1)
        self.broker = broker
        self.procs = procs
        self.samples: list[dict[str, Any]] = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            inbox = conn.execute(
                sa.text("SELECT count(*) FROM inbox_records WHERE status = 'pending'")
            ).scalar_one()
            outbox, oldest = conn.execute(
                sa.text(
                    "SELECT count(*), extract(epoch FROM now() - min(created_at)) "
                    "FROM outbox_events WHERE delivered_at IS NULL"
                )
            ).one()
        depths = {}
        try:
            with Connection(self.broker, connect_timeout=2) as conn:
                channel: Any = conn.channel()
                for queue in ("ingest", "allocation", "push"):
                    depths[queue] = channel.queue_declare(queue, passive=True).message_count
        except Exception:  # a depth we cannot read is reported as unknown
            depths = {}
        return {
            "t": time.monotonic(),
            "inbox": int(inbox),
            "outbox": int(outbox),
            "oldest_event_s": float(oldest or 0.0),
            "queues": depths,
            "rss": self.procs.rss_mb(),
        }

    def _loop(self) -> None:
        while not self.stop_flag.wait(1.0):
            try:
                self.samples.append(self.sample())
            except Exception:  # a missed sample is fine
                continue

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_flag.set()
        self.thread.join(5)
        self.engine.dispose()


def latencies(
    shops: Shops, orders: list[Placed], skip: Callable[[tuple[int, str], float], bool]
) -> list[float]:
    """Per order: time from sent to the last other store holding a figure that includes
    it (the first write at or after sending with a quantity at most the expected one).
    Orders past a SKU's stock are left out (the figure is 0 either way)."""
    writes: dict[tuple[tuple[int, str], str], list[tuple[float, int]]] = {}
    for store in shops.stores():
        state = shops.sims[store[0]].state
        prefix_woo = store[1] == "woocommerce"
        for at, key, qty in list(state.writes):
            if key.startswith("gid://") == prefix_woo:
                continue
            writes.setdefault((store, key), []).append((at, qty))
    times = {k: [w[0] for w in v] for k, v in writes.items()}
    out: list[float] = []
    for order in orders:
        stock = HOT_STOCK if int(order.sku[2:]) < HOT else STOCK
        expected = stock - order.n
        if expected < 0 or not order.ok:
            continue
        last = 0.0
        for store in shops.stores():
            if store == (order.shop, "woocommerce") or skip(store, order.sent):
                continue
            found = (store, shops.key(store, order.sku))
            series = writes.get(found, [])
            start = bisect_left(times.get(found, []), order.sent)
            seen = next((at for at, qty in series[start:] if qty <= expected), None)
            if seen is None:
                last = float("inf")
                break
            last = max(last, seen - order.sent)
        out.append(last)
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---- one run ---------------------------------------------------------------------------


@dataclass
class RunResult:
    workers: int
    steps: list[dict[str, Any]]
    sustained: float
    p50: float
    p95: float
    p99: float
    rss_growth: float
    oversold: int
    lost: int
    placed: int
    outage: dict[str, Any] | None = None


def run_once(args: argparse.Namespace, workers: int, outage: bool) -> RunResult:
    name = f"hub_soak_{uuid.uuid4().hex[:10]}"
    vhost = f"hubsoak-{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(False)
    _rabbit("add_vhost", vhost)
    _rabbit("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    broker = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    sims: list[SimulatorServer] = []
    for _ in range(args.shops // 2):
        state = SimState()
        state.add_listings({sku_code(n): "10.00" for n in range(args.skus)}, stock=0)
        sims.append(SimulatorServer(state).__enter__())
    shops = Shops(sims)
    procs: Processes | None = None
    monitor: Monitor | None = None
    try:
        upgrade(url)
        seed(url, shops, args.skus)
        for sim in sims:  # the stores start with the hub's figures
            for n in range(args.skus):
                listing = sim.state.listings[sku_code(n)]
                figure = HOT_STOCK if n < HOT else STOCK
                sim.state.woo_stock[listing.woo_product] = figure
                item = f"gid://shopify/InventoryItem/{listing.shopify_item}"
                sim.state.inventory[(item, LOCATION)] = figure
        log_dir = Path(tempfile.mkdtemp(prefix=f"soak-{workers}w-"))
        env = {
            "HUB_DATABASE_URL": url,
            "HUB_BROKER_URL": broker,
            "HUB_REDIS_URL": REDIS_URL,
            "HUB_SECRET_KEY": SECRET,
            "HUB_LOG_LEVEL": "WARNING",
            "HUB_SYNC_TICK_SECONDS": "10",
            "HUB_SYNC_PULL_INTERVAL": "3600",
            "HUB_SYNC_RESYNC_INTERVAL": "86400",
        }
        procs = Processes(env, workers, args.push_threads, args.api_procs, log_dir)
        procs.start()
        monitor = Monitor(url, broker, procs)
        monitor.start()
        stream = Stream(shops, procs.url, args.skus)
        steps: list[dict[str, Any]] = []
        rate = float(args.start_rate)
        deadline = time.monotonic() + args.duration
        rss_start: float | None = None
        for _ in range(args.max_steps):
            if time.monotonic() + args.step_s > deadline:
                break
            begin, first = time.monotonic(), len(stream.placed)
            acked_before = stream.acknowledged()
            stream.run(rate, args.step_s)
            placed = len(stream.placed) - first
            offered = placed / (time.monotonic() - begin)
            time.sleep(1.0)
            sample = monitor.sample()
            waiting = stream.in_flight()
            acked = stream.acknowledged() - acked_before
            # Behind: more than three seconds of orders not yet answered by the API or
            # still pending in the inbox, or a stock event older than five seconds.
            behind = waiting + sample["inbox"] > 3 * rate or sample["oldest_event_s"] > 5.0
            steps.append({
                "rate": rate, "placed": placed, "offered_per_s": offered, "in_flight": waiting,
                "acked_per_s": acked / (time.monotonic() - begin),
                "inbox": sample["inbox"], "outbox": sample["outbox"],
                "oldest_event_s": round(sample["oldest_event_s"], 2),
                "queues": sample["queues"], "behind": behind, "orders": (first, len(stream.placed)),
            })  # fmt: skip
            if rss_start is None:
                rss_start = sum(sample["rss"].values())
            print(f"  workers={workers} step rate={rate:.0f}/s placed={placed} "
                  f"unanswered={waiting} inbox={sample['inbox']} outbox={sample['outbox']} "
                  f"oldest_event={sample['oldest_event_s']:.1f}s queues={sample['queues']} "
                  f"behind={behind}", flush=True)  # fmt: skip
            if behind:
                break
            rate *= 1.6
        drained = _drain(monitor, stream, args.drain_s)
        outage_report = _outage(args, shops, stream, monitor, steps) if outage else None
        rss_end = sum(monitor.sample()["rss"].values())
        result = _judge(url, shops, stream, steps, workers)
        result.rss_growth = rss_end - (rss_start or rss_end)
        result.outage = outage_report
        print(f"  workers={workers} rss per process (MB): "
              f"{ {k: round(v) for k, v in procs.rss_mb().items()} } drained={drained} "
              f"webhook failures={stream.failures}", flush=True)  # fmt: skip
        return result
    finally:
        if monitor is not None:
            monitor.stop()
        if procs is not None:
            procs.stop()
        for sim in sims:
            sim.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        _rabbit("delete_vhost", vhost)


def _drain(monitor: Monitor, stream: Stream, seconds: float) -> bool:
    """Wait (bounded) until every webhook is answered and the hub has nothing pending."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stream.in_flight():
            time.sleep(0.5)
            continue
        sample = monitor.sample()
        if sample["inbox"] == 0 and sample["outbox"] == 0:
            return True
        time.sleep(1.0)
    return False


def _outage(
    args: argparse.Namespace, shops: Shops, stream: Stream, monitor: Monitor,
    steps: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """Half the sustained rate while the last WooCommerce store is slow, then throttles,
    then is down; then it comes back and the stream goes on until it has caught up."""
    kept = [s["acked_per_s"] for s in steps if not s["behind"]] or [args.start_rate]
    rate = max(kept) / 2
    troubled = len(shops.sims) - 1
    state = shops.sims[troubled].state
    first = len(stream.placed)
    began = time.monotonic()
    phase = args.outage_s / 3
    for mode in ("slow", "throttle", "down"):
        state.woo_outage = mode
        stream.run(rate, phase, bursts=False)
    state.woo_outage = None
    back = time.monotonic()
    last_before = len(stream.placed)
    stream.run(rate, min(10.0, args.outage_s), bursts=False)
    _drain(monitor, stream, args.drain_s)
    store = (troubled, "woocommerce")
    during = stream.placed[first:last_before]

    def in_trouble(s: tuple[int, str], sent: float) -> bool:
        return s == store and sent < back

    others = [x for x in latencies(shops, during, in_trouble) if x != float("inf")]
    # Catch-up: from its return until the store holds, for every SKU ordered in the
    # outage, a figure that includes every order placed before it came back.
    expected: dict[str, int] = {}
    for order in stream.placed[:last_before]:
        if order.ok:
            stock = HOT_STOCK if int(order.sku[2:]) < HOT else STOCK
            expected[order.sku] = max(0, stock - order.n)
    catch_up = 0.0
    for sku in {o.sku for o in during}:
        key = shops.key(store, sku)
        seen = next(
            (at for at, k, qty in state.writes if k == key and at >= back and qty <= expected[sku]),
            None,
        )
        catch_up = max(catch_up, (seen - back) if seen is not None else float("inf"))
    return {
        "rate": rate,
        "seconds": round(back - began, 1),
        "others_p95_s": round(pct(others, 95), 3),
        "catch_up_s": round(catch_up, 2),
        "orders": len(during),
    }


def _judge(
    url: str, shops: Shops, stream: Stream, steps: list[dict[str, Any]], workers: int
) -> RunResult:
    kept = [s for s in steps if not s["behind"]]
    sustained = max((s["acked_per_s"] for s in kept), default=0.0)
    measured: list[Placed] = []
    for s in kept[-2:]:  # the two fastest steps the hub kept up with
        measured += stream.placed[s["orders"][0] : s["orders"][1]]
    lat = latencies(shops, measured, lambda store, sent: False)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        held = {
            (channel, external)
            for channel, external in conn.execute(
                sa.text("SELECT channel_id, external_id FROM orders")
            )
        }  # fmt: skip
        # Oversold: a level reserving more than it holds, or a SKU whose reservations add
        # up to more than it was stocked with (nothing ships or restocks during the soak).
        oversold = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM stock_levels WHERE reserved > on_hand) + "
                "(SELECT count(*) FROM (SELECT r.sku_id FROM reservations r "
                " JOIN stock_levels l ON l.sku_id = r.sku_id AND l.warehouse_id = r.warehouse_id"
                " GROUP BY r.sku_id, l.on_hand HAVING sum(r.quantity) > l.on_hand) x)"
            )
        ).scalar_one()
    engine.dispose()
    lost = sum(1 for o in stream.placed if (shops.woo_channels[o.shop], o.external_id) not in held)
    return RunResult(
        workers, steps, sustained, pct(lat, 50), pct(lat, 95), pct(lat, 99), 0.0,
        int(oversold), lost, len(stream.placed),
    )  # fmt: skip


# ---- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="intake processes per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count")
    parser.add_argument("--shops", type=int, default=4, help="stores (even: Woo + Shopify)")
    parser.add_argument("--skus", type=int, default=40)
    parser.add_argument("--start-rate", type=float, default=10.0)
    parser.add_argument("--step-s", type=float, default=15.0)
    parser.add_argument("--max-steps", type=int, default=8)
    parser.add_argument("--duration", type=float, default=150.0, help="seconds of load per run")
    parser.add_argument("--drain-s", type=float, default=60.0)
    parser.add_argument("--push-threads", type=int, default=8)
    parser.add_argument("--api-procs", type=int, default=1, help="uvicorn --workers")
    parser.add_argument("--outage-s", type=float, default=18.0)
    parser.add_argument("--no-outage", action="store_true")
    args = parser.parse_args()
    # SIGTERM ends the run like Ctrl-C: processes stopped, database and vhost dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    counts = [int(w) for w in args.workers.split(",")]
    print(f"soak: {args.shops} stores on {args.shops // 2} simulators, {args.skus} SKUs "
          f"({HOT} hot), {os.cpu_count()} cores, worker counts {counts}", flush=True)  # fmt: skip
    results: dict[int, list[RunResult]] = {}
    for w in counts:
        for r in range(args.repeat):
            outage = not args.no_outage and w == counts[-1] and r == args.repeat - 1
            result = run_once(args, w, outage)
            results.setdefault(w, []).append(result)
            print(
                f"workers={w} sustained={result.sustained:.1f} orders/s "
                f"p50={result.p50:.2f}s p95={result.p95:.2f}s p99={result.p99:.2f}s "
                f"placed={result.placed} lost={result.lost} oversold={result.oversold} "
                f"rss_growth={result.rss_growth:.1f}MB outage={result.outage}",
                flush=True,
            )

    def med(w: int, attr: str) -> float:
        return float(statistics.median(getattr(r, attr) for r in results[w]))

    top, low = counts[-1], counts[0]
    scale = med(top, "sustained") / med(low, "sustained") if med(low, "sustained") else 0.0
    every = [r for rs in results.values() for r in rs]
    print(
        f"orders_per_s={med(top, 'sustained'):.1f} p95_s={med(top, 'p95'):.2f} "
        f"p99_s={med(top, 'p99'):.2f} scale_{low}_to_{top}={scale:.2f} "
        f"rss_growth_mb={max(r.rss_growth for r in every):.1f} "
        f"oversold={sum(r.oversold for r in every)} lost={sum(r.lost for r in every)}"
    )


if __name__ == "__main__":
    main()
