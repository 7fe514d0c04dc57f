"""Hypothesis mutates the documented sample orders and the cited golden cases of every
platform and sends them in through each platform's real pull path (HTTP faked with
`responses` in the official API's shape, Shopify's GraphQL line pages included, the
calls for a record's parts answered by an edge fault), through the signed webhook of the
platforms that have one (Shopify, WooCommerce) and through the inbox, on SQLite and
PostgreSQL.
After each example: no record pending, every failed record queued with its payload,
nothing acknowledged lost, no 500, and the stock ledger verified.

Small on purpose (the CI budget): `python -m bench.fuzz` runs the thousands. Killing a
worker mid-batch and restarting the broker and PostgreSQL mid-run are proven in
tests/integration/test_workers.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Database
from tests.robustness.harness import (
    DELETE,
    PLATFORMS,
    WEBHOOK_PLATFORMS,
    FuzzWorld,
    build_world,
    run_mutations,
    run_recipes,
)
from tests.robustness.ways_in import FAULTS

mutation = st.tuples(st.integers(0, 10**6), st.integers(0, DELETE))
mutated = st.lists(mutation, min_size=1, max_size=3)
batch = st.lists(mutated, min_size=1, max_size=3)
# (seed: the sample or a golden case, edge fault, mutations)
recipe = st.tuples(st.integers(0, 10**6), st.integers(0, len(FAULTS) - 1), mutated)
recipes = st.lists(recipe, min_size=1, max_size=3)
FUZZ = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(db: Database) -> FuzzWorld:
    return build_world(db.url)


def _verdict(world: FuzzWorld) -> None:
    report = world.check()
    assert report.clean, (report.line(), report.problems[:10])
    assert report.unnamed == 0, report.problems[:10]  # every error names its field


@FUZZ
@given(records=st.fixed_dictionaries({platform: batch for platform in PLATFORMS}))
def test_mutated_orders_of_every_platform_end_done_or_queued(
    world: FuzzWorld, records: dict[str, list[list[tuple[int, int]]]]
) -> None:
    for platform, mutations in records.items():
        run_mutations(world, platform, [mutations])
    _verdict(world)


@FUZZ
@given(
    pulled=st.fixed_dictionaries({platform: recipes for platform in PLATFORMS}),
    delivered=st.fixed_dictionaries({platform: recipes for platform in WEBHOOK_PLATFORMS}),
)
def test_mutated_golden_orders_through_every_pull_and_every_signed_webhook(
    world: FuzzWorld,
    pulled: dict[str, list[tuple[int, int, list[tuple[int, int]]]]],
    delivered: dict[str, list[tuple[int, int, list[tuple[int, int]]]]],
) -> None:
    for platform, batch_ in pulled.items():
        run_recipes(world, platform, [batch_], way="pull")
    for platform, batch_ in delivered.items():
        run_recipes(world, platform, [batch_], way="webhook")
    _verdict(world)


def test_the_same_order_by_poll_webhook_redelivery_and_stale_update_is_one_order(
    world: FuzzWorld,
) -> None:
    world.same_order_four_ways()
    _verdict(world)
    assert world.report.answers == {200: 4}
