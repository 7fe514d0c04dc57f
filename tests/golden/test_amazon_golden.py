"""Amazon golden cases: each case's own arithmetic by Amazon's rules, then the case through
the connector's real pull (getOrders + paged getOrderItems, faked at the HTTP edge) and
the ingest service on SQLite and PostgreSQL, compared with the facts the case expects."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from hub.db.unit_of_work import UnitOfWork
from tests.conftest import Database
from tests.golden import cases, check_amazon
from tests.golden.pulls import ingest_by_pull, map_pulled

CASES = cases.load("amazon")
IDS = [c.name for c in CASES]
# Statuses the allocator moves after ingest (ready -> allocated/backordered).
STORED_VOLATILE = frozenset({"status"})


def test_the_corpus_covers_what_amazon_sends() -> None:
    payloads = [c.payload for c in CASES]
    assert len(CASES) >= 8
    assert any(len(p["OrderItemsPages"]) > 1 for p in payloads)
    assert any(len(check_amazon.items(p)) >= 60 for p in payloads)
    assert {p["Order"]["OrderStatus"] for p in payloads} >= {"Pending", "Canceled", "Shipped"}
    assert {p["Order"]["FulfillmentChannel"] for p in payloads} == {"AFN", "MFN"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_keeps_amazons_own_arithmetic(case: cases.GoldenCase) -> None:
    assert check_amazon.problems(case.payload) == []


def test_the_checker_refuses_broken_fixtures() -> None:
    by_name = {c.name: c for c in CASES}
    wrong_total = copy.deepcopy(by_name["sandbox-us-unshipped"].payload)
    wrong_total["Order"]["OrderTotal"]["Amount"] = "10.00"  # the tax left out
    assert check_amazon.problems(wrong_total) == ["OrderTotal 10.00 != 11.01 from the items"]
    chain = copy.deepcopy(by_name["sixty-five-lines-three-item-pages"].payload)
    del chain["OrderItemsPages"][1]["payload"]["NextToken"]
    assert "page 1: NextToken missing" in check_amazon.problems(chain)
    priced = copy.deepcopy(by_name["reference-pending-without-money"].payload)
    priced["OrderItemsPages"][0]["payload"]["OrderItems"][0]["ItemPrice"] = {
        "CurrencyCode": "USD",
        "Amount": "0.00",
    }
    assert check_amazon.problems(priced)[0].startswith("a Pending order states money")
    yen = copy.deepcopy(by_name["reference-item-pages-jp-partially-shipped"].payload)
    yen["OrderItemsPages"][0]["payload"]["OrderItems"][0]["QuantityShipped"] = 0
    found = check_amazon.problems(yen)
    assert "NumberOfItemsShipped 1 != 0" in found
    assert any(p.startswith("OrderStatus PartiallyShipped") for p in found)


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
