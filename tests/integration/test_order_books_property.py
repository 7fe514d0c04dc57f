"""Whatever order a set of platform updates arrives in, repeated or not, and wherever the
follower runs between them, the books end the same: one receipt, one credit note per
refund, nothing more."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import Order
from hub.services import order_books
from tests.conftest import Database
from tests.integration.books_setup import UowFactory, setup_books
from tests.integration.test_order_books import (
    change,
    documents,
    pay,
    pending_changes,
    refund_of,
    ship,
    unpaid_order,
)

Apply = Callable[[Order, UnitOfWork], None]
FOLLOW = "follow"


def once(apply: Apply, done: Callable[[Order], bool]) -> Apply:
    """A fact is applied once however often its update arrives (the order-change path's
    promise); the announcement goes out every time."""

    def guarded(order: Order, u: UnitOfWork) -> None:
        if not done(order):
            apply(order, u)

    return guarded


def has_refund(external_id: str) -> Callable[[Order], bool]:
    return lambda order: any(r.external_id == external_id for r in order.refunds)


UPDATES: dict[str, tuple[str, Apply]] = {
    "pay": ("payment", once(pay, lambda order: bool(order.payments))),
    "refund r-1": ("refund", once(refund_of("10.00", "r-1"), has_refund("r-1"))),
    "refund r-2": ("refund", once(refund_of("5.00", "r-2"), has_refund("r-2"))),
    "ship": ("shipment", ship),
}
counter = itertools.count(1)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(st.sampled_from([*UPDATES, FOLLOW]), max_size=6).flatmap(
        lambda extra: st.permutations([*UPDATES, *extra])
    )
)
def test_any_interleaving_of_the_same_updates_ends_in_the_same_documents(
    booked_tenant: UowFactory, steps: list[str]
) -> None:
    uow = booked_tenant
    number = f"9{next(counter):03d}"
    order_id = unpaid_order(uow, number)
    for step in steps:
        if step == FOLLOW:
            order_books.follow_order_changes(uow)
        else:
            kind, apply = UPDATES[step]
            change(uow, order_id, kind, apply)  # type: ignore[arg-type]
    order_books.follow_order_changes(uow)
    mine = {k: d for k, d in documents(uow).items() if f":order:{number}" in k}
    assert {k: (d.kind.value, str(d.total.amount)) for k, d in mine.items()} == {
        f"shop:order:{number}": ("sales_receipt", "110.00"),
        f"shop:order:{number}:refund:r-1": ("credit_note", "10.00"),
        f"shop:order:{number}:refund:r-2": ("credit_note", "5.00"),
    }


@pytest.fixture
def booked_tenant(tenant: UowFactory) -> UowFactory:
    setup_books(tenant, {"ledger_path": "/nonexistent/books.beancount"})
    return tenant


def test_two_followers_at_once_build_each_document_once(db: Database, tenant: UowFactory) -> None:
    if db.backend != "postgres":
        pytest.skip("concurrent followers need PostgreSQL; SQLite serializes every writer")
    setup_books(tenant, {"ledger_path": "/nonexistent/books.beancount"})
    numbers = [f"8{n:03d}" for n in range(12)]
    ids = [unpaid_order(tenant, number) for number in numbers]
    for order_id in ids:  # both changes of an order usually land in different batches
        change(tenant, order_id, "payment", pay)
    for order_id in ids:
        change(tenant, order_id, "refund", refund_of("10.00", "r-1"))
    reports: list[order_books.FollowReport] = []
    start = threading.Barrier(2)

    def follower() -> None:
        start.wait()
        reports.append(order_books.follow_order_changes(tenant, batch_size=3))

    threads = [threading.Thread(target=follower) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order_books.follow_order_changes(tenant)  # whatever a collision sent back for later
    assert all(not r.given_up for r in reports)
    docs = documents(tenant)
    assert sorted(docs) == sorted(
        key for n in numbers for key in (f"shop:order:{n}", f"shop:order:{n}:refund:r-1")
    )
    assert pending_changes(tenant) == 0
