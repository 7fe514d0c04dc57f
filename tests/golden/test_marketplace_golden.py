"""Amazon, eBay and Medusa golden cases: each case's own arithmetic by its platform's
rules, then the case through the connector's real pull (faked at the HTTP edge) and the
ingest service on SQLite and PostgreSQL, compared with the facts the case expects.
None of the three declares webhooks, so the pull is their only way in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.totals import check_totals
from hub.services import listings
from tests.conftest import Database
from tests.golden import cases, check_amazon, check_ebay, check_medusa
from tests.golden.pulls import ingest_by_pull, map_pulled, pull_into
from tests.integration.alloc_setup import shop

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


SHIPPED_IN_PART = [
    "amazon/reference-item-pages-jp-partially-shipped",
    "ebay/partly-fulfilled-with-marketplace-fee",
    "medusa/captured-and-partly-fulfilled-eur",
]


@pytest.mark.parametrize("name", SHIPPED_IN_PART)
def test_units_the_platform_already_shipped_are_not_reserved_again(
    db: Database, tenant: Callable[[], UnitOfWork], name: str
) -> None:
    case = next(c for c in CASES if c.id == name)
    mapped = map_pulled(case)
    to_ship: dict[str, int] = {}
    for line in mapped.lines:
        assert line.channel_sku is not None
        to_ship[line.channel_sku] = to_ship.get(line.channel_sku, 0) + line.quantity_to_ship
    assert sum(to_ship.values()) < sum(line.quantity for line in mapped.lines)
    # hub SKU codes are plain ASCII; the channel's (unicode, spaced) SKUs are linked to them
    code = {sku: f"GOLDEN-{n}" for n, sku in enumerate(to_ship)}
    s = shop(tenant, {("BER", code[sku]): 100 for sku in to_ship}, warehouses=("BER",))
    with tenant() as uow:
        tenant_id = uow.tenant_id
        uow.session.execute(
            update(t.channels).where(t.channels.c.id == s.channel_id).values(platform=case.platform)
        )
        uow.commit()
    assert tenant_id is not None
    for sku in to_ship:
        listings.link_listing(tenant(), "web", sku, code[sku])
    pull_into(db.session_factory, tenant_id, case, channel_id=s.channel_id)
    assert {sku: s.level("BER", code[sku]) for sku in to_ship} == {
        sku: (100, units) for sku, units in to_ship.items()
    }
