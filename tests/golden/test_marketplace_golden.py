"""Amazon, eBay and Medusa golden cases: each case's own arithmetic by its platform's
rules, then the case through the connector's real pull (faked at the HTTP edge) and the
ingest service on SQLite and PostgreSQL, compared with the facts the case expects.
None of the three declares webhooks, so the pull is their only way in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub.db.unit_of_work import UnitOfWork
from hub.domain.totals import check_totals
from tests.conftest import Database
from tests.golden import cases, check_amazon, check_ebay, check_medusa
from tests.golden.pulls import ingest_by_pull, map_pulled

CHECKERS: dict[str, Callable[[Any], list[str]]] = {
    "amazon": check_amazon.problems,
    "ebay": check_ebay.problems,
    "medusa": check_medusa.problems,
}
CASES = [case for platform in CHECKERS for case in cases.load(platform)]
IDS = [case.id for case in CASES]
# The hub's workflow status moves on after ingest (ready -> allocated / backordered).
STORED_VOLATILE = frozenset({"status"})


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_keeps_its_platforms_own_arithmetic(case: cases.GoldenCase) -> None:
    assert CHECKERS[case.platform](case.payload) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_pulled_and_mapped_carries_its_facts(case: cases.GoldenCase) -> None:
    assert cases.mismatches(map_pulled(case), case.expected) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_ingested_by_the_pull_service_is_stored_with_its_facts(
    db: Database, tenant: Callable[[], UnitOfWork], case: cases.GoldenCase
) -> None:
    with tenant() as uow:
        tenant_id = uow.tenant_id
    assert tenant_id is not None
    wanted = {k: v for k, v in case.expected.items() if k not in STORED_VOLATILE}
    assert ingest_by_pull(db.session_factory, tenant_id, case, wanted) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_mapped_case_adds_up_to_what_the_platform_states(case: cases.GoldenCase) -> None:
    """The mapped lines, shipping, fees and taxes recompute every total the platform states
    itself (the hub's totals self-check), and a case whose money is known checks its total."""
    order = map_pulled(case)
    result = check_totals(order)
    assert [str(d) for d in result.differences] == []
    if order.amounts_known:
        assert "total" in result.checked
    else:
        assert order.stated_totals is not None and order.stated_totals.total is None
        assert result.checked == []
