"""Two first movements into a balance that does not exist yet (a new SKU's first
receipts, arriving together) both land: neither fails on the balance's unique key."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hub.db.unit_of_work import UnitOfWork
from hub.domain.inventory import MovementKind
from hub.domain.money import Money
from hub.services import catalog, inventory
from tests.conftest import Database
from tests.integration.alloc_setup import shop

Tenant = Callable[[], UnitOfWork]


def test_a_first_return_waiting_on_a_first_receipt_of_the_same_balance_adds_to_it(
    db: Database, tenant: Tenant
) -> None:
    if db.backend != "postgres":
        pytest.skip("needs two concurrent PostgreSQL sessions; SQLite serializes writers")
    s = shop(tenant, {("BER", "OTHER"): 1})
    created = catalog.create_sku(tenant(), "NEW", "New product", Money.of("4.00", "EUR"))
    assert created.id is not None  # a SKU with no balance anywhere yet
    sku, ber = created.id, s.warehouse_ids["BER"]
    s.sku_ids["NEW"] = sku
    errors: list[BaseException] = []
    with tenant() as first:
        level = first.stock.for_update(ber, sku, "")
        first.movements.add(level.move(MovementKind.RECEIPT, 3, actor="t", reason="first"))
        first.session.flush()  # the new balance row is in the database, not committed

        def second() -> None:
            try:
                inventory.return_to_stock(tenant(), "BER", "NEW", 2, actor="t", reason="second")
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(timeout=1.0)
        assert waiter.is_alive()  # waiting on the first's uncommitted balance
        first.commit()
    waiter.join(timeout=30)
    assert errors == []
    assert s.level("BER", "NEW") == (5, 0)
    assert s.verify() == []
