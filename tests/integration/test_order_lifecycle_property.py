"""Property: any interleaving of the same platform updates of one order, with duplicates,
ends in the same order state and stock as delivering them in order (each example is a
fresh tenant, on SQLite and PostgreSQL). The order is first seen unpaid; what follows
(payment, two shipments, a refund with restock) comes in any order, and any version again:
a shipped version before the paid one reserves first, then ships. An order first seen
already shipped is another matter (its shipped units never took hub stock), not drawn."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog
from tests.conftest import Database
from tests.integration.lifecycle_payloads import refund, shopify_order
from tests.integration.test_order_lifecycle_stock import NJ_LOCATION, _deliver, _shop

LINES = [(11, "SKU-A", 3), (12, "SKU-B", 2)]
REFUND = refund(901, "2026-11-01T12:30:00Z", [(11, 1)], location_id=int(NJ_LOCATION))
VERSIONS = [
    shopify_order(20, "2026-11-01T09:00:00Z", LINES, financial_status="pending", paid=False),
    shopify_order(20, "2026-11-01T10:00:00Z", LINES),
    shopify_order(20, "2026-11-01T11:00:00Z", LINES, shipped={11: 2}),
    shopify_order(20, "2026-11-01T12:00:00Z", LINES, shipped={11: 3, 12: 1}),
    shopify_order(20, "2026-11-01T13:00:00Z", LINES, shipped={11: 3, 12: 1},
                  financial_status="partially_refunded", refunds=[REFUND]),
]  # fmt: skip


def _fresh(db: Database) -> Callable[[], UnitOfWork]:
    created = catalog.create_tenant(db.uow(), f"p-{uuid.uuid4().hex[:12]}", "Property tenant")
    assert created.id is not None
    tenant_id = created.id
    return lambda: db.uow(tenant_id)


def _outcome(db: Database, order: list[int]) -> tuple[object, ...]:
    s = _shop(db, _fresh(db))
    _deliver(s, *[VERSIONS[i] for i in order])
    order_id = s.order_id("20")
    assert s.shop.verify() == []
    return (
        s.shop.level("BER", "SKU-A"),
        s.shop.level("BER", "SKU-B"),
        s.shop.level("NJ", "SKU-A"),
        s.shop.status(order_id)[0],
        s.count(t.refunds, order_id=order_id),
        s.count(t.payments, order_id=order_id),
    )


_expected: dict[str, tuple[object, ...]] = {}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    order=st.permutations(range(1, len(VERSIONS))).flatmap(
        lambda p: st.lists(st.sampled_from(range(len(VERSIONS))), max_size=3).map(
            lambda extra: [0, *p, *extra]
        )
    )
)
def test_any_interleaving_with_duplicates_ends_in_the_same_order_and_stock(
    db: Database, order: list[int]
) -> None:
    if db.backend not in _expected:
        _expected[db.backend] = _outcome(db, list(range(len(VERSIONS))))
    assert _outcome(db, order) == _expected[db.backend]
