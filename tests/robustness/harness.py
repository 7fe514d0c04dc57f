"""The fuzz and fault harness shared by tests/robustness (a few Hypothesis examples) and
``python -m bench.fuzz`` (thousands of records).

A world is one tenant with stock in two warehouses and one channel per platform. The
WooCommerce channel is connected the documented way (a stored, encrypted connection of
the real connector): its mutated orders arrive through the signed webhook endpoint (the
real FastAPI app, TestClient) and through a pull whose HTTP is faked with ``responses``.
The other platforms' mutated orders enter where their pulls hand records on: archived in
the inbox, then processed in batches. The documented sample orders (tests/contract/*_docs)
are the seeds; a mutation replaces a node with a nasty value or deletes it.

The run ends with the checks of invariant 10: no record pending, every failed record in
the error queue with its payload, no acknowledged delivery lost, no 500, and the stock
ledger verified (`hub stock verify`).
"""

from __future__ import annotations

import copy
import random
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import responses
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from connectors.base import RawRecord, SkippableRecordError
from connectors.registry import default_registry
from connectors.toolkit import LocalRateBudgets, RateBudget, RateLimit
from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.domain.money import Money
from hub.services import catalog, connections, inventory, pull, stock_policy
from hub.services.dispatch import InlineDispatcher
from hub.services.inbox import archive, archive_skipped, storable_key
from hub.services.ingest import map_record
from hub.services.ingest_batch import process_batch
from hub.services.sync_context import ChannelRef, RegistryConnectors, SyncContext
from hub.sync_runtime import build_context
from tests.contract import amazon_docs, ebay_docs, medusa_docs, shopify_docs
from tests.golden.pulls import CONNECTORS
from tests.integration.stored_connection import API, woo_order
from tests.robustness.ways_in import (
    FAULTS,
    PULL_SEEDS,
    SHOPIFY_SECRET,
    SHOPIFY_SHOP,
    WEBHOOK_SEEDS,
    expected_id,
    renumber,
    serve_pull,
    webhook_request,
)

__all__ = [
    "DELETE",
    "NASTY",
    "PLATFORMS",
    "FuzzWorld",
    "Mutation",
    "Recipe",
    "Report",
    "build_world",
    "mutate",
    "random_mutations",
    "random_recipe",
    "sample",
]

PLATFORMS = ("woocommerce", "shopify", "amazon", "ebay", "medusa")
WEBHOOK_PLATFORMS = ("woocommerce", "shopify")
CURRENCY = {"woocommerce": "EUR", "shopify": "USD", "amazon": "USD", "ebay": "USD", "medusa": "EUR"}
ID_FIELD = {"woocommerce": "id", "shopify": "id", "amazon": "AmazonOrderId", "ebay": "orderId",
            "medusa": "id"}  # fmt: skip
UPDATED_FIELD = {"woocommerce": "date_modified_gmt", "shopify": "updatedAt",
                 "amazon": "LastUpdateDate", "ebay": "lastModifiedDate",
                 "medusa": "updated_at"}  # fmt: skip

# What a platform (or a broken proxy, or an attacker with the secret) might put anywhere.
NASTY: tuple[Any, ...] = (
    None,
    "",
    "\x00",
    "A\x00B",
    "x" * 5000,
    "\ud800",  # a lone surrogate: valid JSON escape, not valid Unicode
    "🛒" * 3,
    " 10 ",
    "١٠",  # Arabic-Indic digits
    "1,5",
    "abc",
    "NaN",
    "1e400",
    "-0",
    "2026-13-45T99:99:99",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    10**30,
    -(10**30),
    2**63,
    -1,
    0,
    1e308,
    -1e-308,
    True,
    [],
    {},
    [None, {"x": [1]}],
    {"nested": {"deeper": ["\x00"]}},
)
DELETE = len(NASTY)  # a mutation value index past NASTY deletes the node

# (which node: an index taken modulo the number of nodes, which value: index into NASTY
# or DELETE)
Mutation = tuple[int, int]


def sample(platform: str, n: int) -> dict[str, Any]:
    """The platform's documented sample order, numbered ``n`` (unique per run)."""
    if platform == "woocommerce":
        return woo_order(n, "2026-11-01T10:00:00")
    if platform == "shopify":
        return shopify_docs.order(n)
    if platform == "amazon":
        return amazon_docs.order(n, OrderItems=[amazon_docs.item(n, qty=2)])
    if platform == "ebay":
        return ebay_docs.order(n)
    return medusa_docs.order(n)


def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*path, key)
            yield from _nodes(value, (*path, key))
    elif isinstance(doc, list):
        for n, value in enumerate(doc):
            yield (*path, n)
            yield from _nodes(value, (*path, n))


def mutate(doc: dict[str, Any], mutations: Sequence[Mutation]) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    for node, value in mutations:
        nodes = list(_nodes(changed))
        if not nodes:
            break
        *parents, last = nodes[node % len(nodes)]
        holder: Any = changed
        for step in parents:
            holder = holder[step]
        if value >= DELETE:
            del holder[last]
        else:
            holder[last] = copy.deepcopy(NASTY[value])
    return changed


# One record of a webhook or a pull: which seed (index, modulo the platform's seeds),
# which edge fault answers the calls for its parts (index into FAULTS), its mutations.
Recipe = tuple[int, int, Sequence[Mutation]]


def random_mutations(rng: random.Random) -> list[Mutation]:
    return [(rng.randrange(10**6), rng.randrange(DELETE + 1)) for _ in range(rng.randint(1, 3))]


def random_recipe(rng: random.Random) -> Recipe:
    """A seed, mutated; a third of the time with an edge fault on the record's parts."""
    fault = rng.randrange(len(FAULTS)) if rng.random() < 1 / 3 else 0
    return (rng.randrange(10**6), fault, random_mutations(rng))


def _raw(platform: str, payload: Any) -> RawRecord:
    """What the platform's connector hands on for one listed order (lenient like them):
    an object with a usable id, else a skippable record naming the field."""
    if not isinstance(payload, dict):
        raise SkippableRecordError("?", "(record)", "not a JSON object", payload)
    raw_id = payload.get(ID_FIELD[platform])
    if raw_id is None or raw_id == "" or isinstance(raw_id, dict | list | bool):
        raise SkippableRecordError("?", ID_FIELD[platform], "missing", payload)
    stamp = payload.get(UPDATED_FIELD[platform])
    try:
        updated = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        updated = None
    return RawRecord("order", str(raw_id), updated, payload)


@dataclass
class Report:
    records: int = 0
    stuck: int = 0
    unexplained_500: int = 0
    lost: int = 0
    verify: bool = True
    failed: int = 0
    # Open errors that do not name the field (the record is always named).
    unnamed: int = 0
    answers: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        verdict = "ok" if self.verify else "FAIL"
        return (
            f"records={self.records} stuck={self.stuck} unexplained_500={self.unexplained_500} "
            f"lost={self.lost} verify={verdict}"
        )

    @property
    def clean(self) -> bool:
        return self.stuck == self.unexplained_500 == self.lost == 0 and self.verify


@dataclass
class FuzzWorld:
    hub: Hub
    ctx: SyncContext
    tenant_id: int
    channels: dict[str, ChannelRef]
    client: TestClient
    report: Report = field(default_factory=Report)
    # (platform, inbox external id) each delivery answered 2xx and each pulled record
    # must have left behind.
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    _serial: int = 0

    def next_number(self) -> int:
        self._serial += 1
        return self._serial

    # ---- ways in -----------------------------------------------------------------------

    def webhook(
        self, payload: Any, delivery: str | None = None, platform: str = "woocommerce"
    ) -> int:
        """One signed delivery to the platform's channel; the answer's status."""
        channel = self.channels[platform].id
        body, headers = webhook_request(platform, payload, delivery or f"fz-{uuid.uuid4().hex}")
        answer = self.client.post(f"/webhooks/{channel}", content=body, headers=headers)
        self.report.records += 1
        self.report.answers[answer.status_code] = self.report.answers.get(answer.status_code, 0) + 1
        if answer.status_code >= 500:
            self.report.unexplained_500 += 1
            self.report.problems.append(
                f"{platform} webhook {answer.status_code}: {str(payload)[:200]}"
            )
        elif answer.status_code < 300:
            self.acknowledged.append((platform, _expected_id(platform, payload)))
        return answer.status_code

    def pull_woocommerce(self, payloads: list[Any]) -> None:
        """One pull of the WooCommerce channel whose single page lists ``payloads``."""
        self.pull("woocommerce", payloads)

    def pull(self, platform: str, payloads: list[Any], fault: Any = None) -> None:
        """One pull of the platform's channel through its connector's real pull path, one
        page listing ``payloads``; the calls for parts of a record answered by ``fault``.
        Every listed record with an id must be archived after it (done or queued)."""
        channel = self.channels[platform]
        # Marketplaces connect by OAuth (a refresh token): their pulls use a connector
        # built with a fresh token and its own rate budget (tests/golden/pulls.py).
        ctx = self.ctx
        if platform in CONNECTORS:
            ctx = _prebuilt(self.ctx, CONNECTORS[platform](_Unmetered()))
        with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
            serve_pull(api, platform, payloads, fault)
            try:
                pull.pull(ctx, InlineDispatcher(ctx), self.tenant_id, channel.id)
            except Exception as exc:  # the pull stopped: its listed records are not kept
                self.report.problems.append(f"{platform} pull: {type(exc).__name__}: {exc}"[:300])
        self.report.records += len(payloads)
        self.acknowledged += [(platform, _expected_id(platform, p)) for p in payloads]

    def ingest(self, platform: str, payloads: list[Any]) -> None:
        """Records as the platform's pull hands them on: archived, then processed."""
        channel = self.channels[platform]
        records: list[RawRecord] = []
        skipped: list[SkippableRecordError] = []
        for payload in payloads:
            try:
                records.append(_raw(platform, payload))
            except SkippableRecordError as exc:
                skipped.append(exc)
        with self.ctx.uow(self.tenant_id) as uow:
            ids = archive(uow.session, self.tenant_id, channel.id, records, "poll")
            archive_skipped(uow.session, self.tenant_id, channel.id, skipped, "poll")
            uow.commit()
        process_batch(self.ctx, self.tenant_id, ids)
        self.report.records += len(payloads)

    def same_order_four_ways(self) -> None:
        """One WooCommerce order by poll, by webhook, redelivered, then an update and the
        older version again (stale): one order, one reservation of the newest quantity."""
        n = self.next_number()
        older = woo_order(n, "2026-11-01T10:00:00", quantity=2)
        newer = woo_order(n, "2026-11-01T11:00:00", quantity=2)
        newer["customer_note"] = "updated"
        self.pull_woocommerce([older])
        with responses.RequestsMock(assert_all_requests_are_fired=False):
            self.webhook(older, delivery=f"same-{n}")
            self.webhook(older, delivery=f"same-{n}")  # the platform's redelivery
            self.webhook(newer)
            self.webhook(older)  # arrives late: stale
        o, r, ol = t.orders.c, t.reservations.c, t.order_lines.c
        with self.ctx.uow(self.tenant_id) as uow:
            orders = uow.session.execute(
                select(o.id, o.platform_updated_at).where(
                    o.channel_id == self.channels["woocommerce"].id, o.external_id == str(n)
                )
            ).all()
            reserved = uow.session.execute(
                select(func.coalesce(func.sum(r.quantity), 0))
                .join(t.order_lines, ol.id == r.order_line_id)
                .where(ol.order_id.in_([row.id for row in orders]))
            ).scalar_one()
        newest = datetime(2026, 11, 1, 11, tzinfo=UTC)
        if len(orders) != 1 or orders[0].platform_updated_at != newest or reserved != 2:
            self.report.lost += 1
            self.report.problems.append(f"order {n} four ways: {orders} reserved {reserved}")

    # ---- the verdict -------------------------------------------------------------------

    def check(self) -> Report:
        i, e = inbox_records.c, sync_errors.c
        report = self.report
        with self.ctx.uow(self.tenant_id) as uow:
            s = uow.session
            tenant = i.tenant_id == self.tenant_id
            report.stuck = int(
                s.execute(select(func.count()).where(tenant, i.status == "pending")).scalar_one()
            )
            queued = select(e.id).where(e.inbox_id == i.id, e.resolved_at.is_(None)).exists()
            unqueued = s.execute(
                select(i.id, i.external_id).where(tenant, i.status == "failed", ~queued)
            ).all()
            report.stuck += len(unqueued)
            report.problems += [f"failed without an error: inbox {r.id}" for r in unqueued]
            report.failed = int(
                s.execute(select(func.count()).where(tenant, i.status == "failed")).scalar_one()
            )
            unnamed = s.execute(
                select(e.stage, e.record, e.reason).where(
                    e.tenant_id == self.tenant_id, e.resolved_at.is_(None), e.field == ""
                )
            ).all()
            report.unnamed = len(unnamed)
            report.problems += [
                f"no field named: {r.stage} {r.record}: {r.reason}" for r in unnamed
            ]
            archived = {
                (platform, key)
                for platform, ref in self.channels.items()
                for key in s.execute(
                    select(i.external_id).where(tenant, i.channel_id == ref.id).distinct()
                ).scalars()
            }
        missing = [(p, key) for p, key in self.acknowledged if (p, key) not in archived]
        report.lost += len(missing)
        report.problems += [f"acknowledged but not archived: {p} {k[:80]}" for p, k in missing]
        drifts = inventory.verify_ledger(self.hub.uow(self.tenant_id))
        report.verify = not drifts
        report.problems += [f"ledger drift: {d}" for d in drifts]
        return report


def _expected_id(platform: str, payload: Any) -> str:
    """The inbox external id a delivery or listing of ``payload`` is archived under (the
    connector's id, as the database can hold it), or "?" when it has no usable id."""
    return storable_key(expected_id(platform, payload)) or "?"


class _Unmetered(LocalRateBudgets):
    """The platforms' rate limits are not what is fuzzed (and a fuzz pull's clock does
    not move): a pull's calls never wait for a budget."""

    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget:
        return super().budget(connection_key, family, RateLimit(capacity=1e9, rate=1e9))


def _prebuilt(ctx: SyncContext, built: Any) -> SyncContext:
    return SyncContext(
        ctx.session_factory, RegistryConnectors(open_connection=lambda s, c: built), ctx.settings
    )


def build_world(url: str, stock: int = 1_000_000) -> FuzzWorld:
    """A fresh tenant on the (migrated) database at ``url``."""
    settings = Settings(database_url=url)
    hub = Hub(settings)
    slug = f"fuzz-{uuid.uuid4().hex[:10]}"
    tenant = catalog.create_tenant(hub.uow(), slug, "Fuzz tenant")
    assert tenant.id is not None
    tenant_id = tenant.id

    def uow() -> Any:
        return hub.uow(tenant_id)

    for code, country in (("BER", "DE"), ("NJ", "US")):
        catalog.create_warehouse(uow(), code, code, country=country)
    channels: dict[str, ChannelRef] = {}
    skus: dict[str, int] = {}
    for platform in PLATFORMS:
        created = catalog.create_channel(uow(), platform, platform, CURRENCY[platform])
        assert created.id is not None
        channels[platform] = ChannelRef(
            created.id, tenant_id, platform, platform, CURRENCY[platform], {}
        )
        stock_policy.set_warehouses(uow(), platform, ["BER", "NJ"])
        order = map_record(channels[platform], sample(platform, 1))
        for line in order.lines:
            code = str(line.channel_sku)
            if code not in skus:
                made = catalog.create_sku(uow(), code, code, Money.of("1", "EUR"))
                assert made.id is not None
                skus[code] = made.id
                inventory.adjust_to_count(uow(), "BER", code, stock, actor="fuzz", reason="seed")
            with uow() as u:
                u.session.execute(
                    insert(t.listings).values(
                        tenant_id=tenant_id,
                        channel_id=created.id,
                        channel_sku=code,
                        sku_id=skus[code],
                    )
                )
                u.commit()
    connections.add_connection(
        uow(),
        hub.secret_box,
        default_registry,
        connector="woocommerce",
        display_name="fuzzed shop",
        values={
            "store_url": API.removesuffix("/wp-json/wc/v3/"),
            "consumer_key": "ck_fuzz",
            "consumer_secret": "cs_fuzz",
            "webhook_secret": "whsec-stored",
        },
        channel="woocommerce",
    )
    connections.add_connection(
        uow(),
        hub.secret_box,
        default_registry,
        connector="shopify",
        display_name="fuzzed Shopify shop",
        values={
            "shop_url": SHOPIFY_SHOP,
            "access_token": "shpat_fuzz",
            "client_secret": SHOPIFY_SECRET,
        },
        channel="shopify",
    )
    ctx = build_context(settings)
    client = TestClient(create_app(hub, sync=ctx, dispatcher=InlineDispatcher(ctx)))
    return FuzzWorld(hub, ctx, tenant_id, channels, client)


def run_mutations(
    world: FuzzWorld,
    platform: str,
    batches: Sequence[Sequence[Sequence[Mutation]]],
    *,
    way: str = "ingest",
) -> None:
    """Each batch: the platform's documented sample, renumbered and mutated once per
    entry, handed on as the platform's pull hands records on (the inbox)."""
    if way != "ingest":  # the documented sample through the way asked, no edge fault
        run_recipes(world, platform, [[(0, 0, m) for m in b] for b in batches], way=way)
        return
    for batch in batches:
        world.ingest(platform, [mutate(sample(platform, world.next_number()), m) for m in batch])


def run_recipes(
    world: FuzzWorld, platform: str, batches: Sequence[Sequence[Recipe]], *, way: str
) -> None:
    """Each batch: seeds (the sample and the golden cases) renumbered and mutated, sent
    through the signed webhook one by one or listed on one page of a pull, whose calls
    for the records' parts are answered by the batch's first recipe's edge fault."""
    seeds = (WEBHOOK_SEEDS if way == "webhook" else PULL_SEEDS)[platform]

    def made(recipe: Recipe) -> Any:
        seed, _, mutations = recipe
        return mutate(renumber(platform, seeds[seed % len(seeds)], world.next_number()), mutations)

    for batch in batches:
        if not batch:
            continue
        payloads = [made(recipe) for recipe in batch]
        if way == "pull":
            world.pull(platform, payloads, FAULTS[batch[0][1] % len(FAULTS)])
            continue
        with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
            # What a webhook makes the connector read: WooCommerce refunds.
            api.get(re.compile(rf"{re.escape(API)}orders/.+/refunds"), json=[])
            for payload in payloads:
                world.webhook(payload, platform=platform)
