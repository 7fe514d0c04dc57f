"""The crash test on real PostgreSQL: 1,000 documents posted by two workers that lose
answers and die right before or right after the books accepted a post, then a restart,
then reconciliation. Books that ignore request ids make the hub's own lookup carry it all."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from connectors.testing.books import InMemoryBooks, WorkerKilled
from hub.db.tables_accounting import accounting_documents
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, Payment
from hub.services import accounting, posting
from reconciliation import Outcome, Period, reconcile
from tests.conftest import Database
from tests.integration.books_setup import UowFactory, setup_books

DOCUMENTS = 1000


def thousand_orders(uow: UowFactory) -> None:
    with uow() as u:
        channel = u.channels.by_key("shop")
        assert channel.id is not None and u.tenant_id is not None
        tid = u.tenant_id
        for n in range(DOCUMENTS):
            when = datetime(2026, 11, 1 + n % 28, 12, tzinfo=UTC)
            order = Order(tid, channel.id, f"c{n}", "USD", when)
            price = Money.of(Decimal(10 + n % 90), "USD")
            order.add_line(OrderLine("TENT", 1, price, tenant_id=tid))
            order.payments.append(Payment("gw", price, f"p{n}", when, tenant_id=tid))
            u.orders.add(order)
        u.commit()


def worker(uow: UowFactory, books: InMemoryBooks, died: list[str]) -> None:
    """Posts until nothing is left for it, or until it is killed (then it stays dead)."""
    while True:
        try:
            report = posting.post_pending_documents(uow, "books", books, limit=50)
        except WorkerKilled as killed:
            died.append(str(killed))
            return
        if not (report.posted or report.found or report.retry_later):
            return


def expire_leases(uow: UowFactory) -> None:
    with uow() as u:
        docs = accounting_documents.c
        u.session.execute(
            update(accounting_documents)
            .where(docs.tenant_id == u.tenant_id)
            .values(claimed_until=None)
        )
        u.commit()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_thousand_documents_through_crashes_and_a_restart_leave_no_duplicate_and_no_gap(
    db: Database, tenant: UowFactory
) -> None:
    setup_books(tenant, system="quickbooks")
    thousand_orders(tenant)
    assert len(accounting.generate_documents(tenant(), "books").created) == DOCUMENTS
    books = InMemoryBooks(
        lose_answer=0.05, kill_worker=0.01, kill_before=0.01, seed=7, idempotent=False
    )
    died: list[str] = []
    workers = [threading.Thread(target=worker, args=(tenant, books, died)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # Restarts: every worker is dead, so their leases count as run out; a new worker
    # takes over, and may die again, until the books answer reliably.
    for _ in range(60):
        expire_leases(tenant)
        worker(tenant, books, died)
    books.kill_worker = books.kill_before = 0.0
    for _ in range(20):  # lost answers leave documents to retry: a few rounds settle them
        expire_leases(tenant)
        worker(tenant, books, died)
    before = [d for d in died if d.startswith("before posting")]
    assert before and len(died) > len(before), "workers must die before and after accepts"
    report = reconcile(tenant, "books", books, Period.parse("2026-11"))
    counts = report.counts()
    assert counts[Outcome.DUPLICATE] == 0 and counts[Outcome.MISSING_IN_BOOKS] == 0
    assert counts[Outcome.MATCHED] == DOCUMENTS
    assert len(books.keys()) == len(set(books.keys())) == DOCUMENTS
