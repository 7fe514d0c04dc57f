"""Hypothesis mutates the documented sample orders of every platform and sends them in
through the signed webhook, a pull (HTTP faked) and the inbox, on SQLite and PostgreSQL.
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
from tests.robustness.harness import DELETE, PLATFORMS, FuzzWorld, build_world, run_mutations

mutation = st.tuples(st.integers(0, 10**6), st.integers(0, DELETE))
mutated = st.lists(mutation, min_size=1, max_size=3)
batch = st.lists(mutated, min_size=1, max_size=3)
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


@FUZZ
@given(records=st.fixed_dictionaries({platform: batch for platform in PLATFORMS}))
def test_mutated_orders_of_every_platform_end_done_or_queued(
    world: FuzzWorld, records: dict[str, list[list[tuple[int, int]]]]
) -> None:
    for platform, mutations in records.items():
        run_mutations(world, platform, [mutations])
    _verdict(world)


@FUZZ
@given(webhooks=batch, pulled=batch)
def test_mutated_woocommerce_orders_through_the_signed_webhook_and_a_pull(
    world: FuzzWorld, webhooks: list[list[tuple[int, int]]], pulled: list[list[tuple[int, int]]]
) -> None:
    run_mutations(world, "woocommerce", [webhooks], way="webhook")
    run_mutations(world, "woocommerce", [pulled], way="pull")
    _verdict(world)


def test_the_same_order_by_poll_webhook_redelivery_and_stale_update_is_one_order(
    world: FuzzWorld,
) -> None:
    world.same_order_four_ways()
    _verdict(world)
    assert world.report.answers == {200: 4}
