"""Posting through the outbox: exactly once across lost answers and killed workers,
period locks, recorded exchange rates, refusals held, rate limits stop the run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from connectors.base import OutgoingDocument, PostedDocument
from connectors.errors import RateLimited
from connectors.testing.books import InMemoryBooks, WorkerKilled
from hub.db.accounting_store import DocumentStore
from hub.db.outbox import Outbox
from hub.db.tables_accounting import accounting_documents
from hub.domain.documents import Document, DocumentKind, DocumentStatus, LockPolicy, PostingPoint
from hub.domain.orders import OrderStatus
from hub.services import accounting, posting
from hub.services.accounting import POST_TOPIC
from hub.services.accounting_books import connection_id
from tests.integration.books_setup import UowFactory, paid_order, set_policy, setup_books


@pytest.fixture
def shop(tenant: UowFactory) -> UowFactory:
    setup_books(tenant, system="quickbooks", currencies=("EUR",))
    return tenant


def documents(uow: UowFactory) -> dict[str, Document]:
    with uow() as u:
        assert u.tenant_id is not None
        store = DocumentStore(u.session, u.tenant_id)
        return {d.key: d for d in store.documents(connection_id(u, "books"))}


def pending_events(uow: UowFactory) -> int:
    with uow() as u:
        assert u.tenant_id is not None
        return len(Outbox(u.session, u.tenant_id).pending(POST_TOPIC))


def test_generation_writes_one_outbox_event_per_document_in_the_same_transaction(
    shop: UowFactory,
) -> None:
    paid_order(shop, "1")
    paid_order(shop, "2")
    accounting.generate_documents(shop(), "books")
    accounting.generate_documents(shop(), "books")
    assert pending_events(shop) == 2


def test_an_answer_lost_after_the_books_accepted_is_recovered_by_key_not_posted_again(
    shop: UowFactory,
) -> None:
    paid_order(shop, "1")
    accounting.generate_documents(shop(), "books")
    books = InMemoryBooks(lose_answer=1.0, idempotent=False)
    first = posting.post_pending_documents(shop, "books", books)
    assert list(first.retry_later) == ["shop:order:1"]
    assert documents(shop)["shop:order:1"].status is DocumentStatus.POSTING
    books.lose_answer = 0.0
    second = posting.post_pending_documents(shop, "books", books)
    assert second.found == ["shop:order:1"] and second.posted == []
    assert books.keys() == ["shop:order:1"] and books.calls == 1
    doc = documents(shop)["shop:order:1"]
    assert (doc.status, doc.external_id) == (DocumentStatus.POSTED, "mem-1")
    assert pending_events(shop) == 0


def test_a_worker_killed_after_the_books_accepted_leaves_no_duplicate_after_restart(
    shop: UowFactory,
) -> None:
    paid_order(shop, "1")
    paid_order(shop, "2")
    accounting.generate_documents(shop(), "books")
    books = InMemoryBooks(kill_worker=1.0, idempotent=False)
    with pytest.raises(WorkerKilled):
        posting.post_pending_documents(shop, "books", books)
    books.kill_worker = 0.0
    # While the dead worker's lease runs, nobody else touches the document ...
    meanwhile = posting.post_pending_documents(shop, "books", books)
    assert meanwhile.busy == ["shop:order:1"] and meanwhile.posted == ["shop:order:2"]
    # ... once it has run out (a zero lease here), the next worker resolves it by key.
    expire_leases(shop)
    report = posting.post_pending_documents(shop, "books", books)
    assert report.found == ["shop:order:1"] and report.posted == []
    assert sorted(books.keys()) == ["shop:order:1", "shop:order:2"]
    assert {d.status for d in documents(shop).values()} == {DocumentStatus.POSTED}


def expire_leases(uow: UowFactory) -> None:
    with uow() as u:
        docs = accounting_documents.c
        u.session.execute(
            update(accounting_documents)
            .where(docs.tenant_id == u.tenant_id)
            .values(claimed_until=None)
        )
        u.commit()


def test_a_closed_period_shifts_the_document_to_the_first_open_date_and_flags_it(
    shop: UowFactory,
) -> None:
    set_policy(shop, currencies=("EUR",), lock_date=date(2026, 11, 10))
    paid_order(shop, "1", day=date(2026, 11, 3))
    accounting.generate_documents(shop(), "books")
    books = InMemoryBooks()
    posting.post_pending_documents(shop, "books", books)
    assert books.payload("shop:order:1")["date"] == date(2026, 11, 11)
    doc = documents(shop)["shop:order:1"]
    assert doc.date == date(2026, 11, 11) and doc.flags == ["period_shifted:2026-11-03"]


def test_a_closed_period_with_the_hold_policy_holds_the_document_with_the_reason(
    shop: UowFactory,
) -> None:
    set_policy(shop, currencies=("EUR",), lock_date=date(2026, 11, 10), lock_policy=LockPolicy.HOLD)
    paid_order(shop, "1", day=date(2026, 11, 3))
    accounting.generate_documents(shop(), "books")
    books = InMemoryBooks()
    report = posting.post_pending_documents(shop, "books", books)
    assert "period closed" in report.held["shop:order:1"]
    assert books.keys() == []
    set_policy(shop, currencies=("EUR",))
    retried = accounting.generate_documents(shop(), "books", retry_held=True)
    assert retried.created == ["shop:order:1"]
    posting.post_pending_documents(shop, "books", books)
    assert books.keys() == ["shop:order:1"]


def test_a_foreign_currency_order_is_posted_with_the_rate_recorded_on_the_order(
    shop: UowFactory,
) -> None:
    # The shop sells in EUR; the buyer paid in USD (the books' home) at 0.92 EUR per USD.
    paid_order(shop, "1", currency="EUR", presentment="USD", fx_rate="0.92")
    accounting.generate_documents(shop(), "books")
    doc = documents(shop)["shop:order:1"]
    assert doc.currency == "EUR"
    assert doc.fx_rate == Decimal("1.08695652")
    assert doc.fx_source == "shopify:price_set (inverted)"
    assert posting.outgoing(doc).payload["fx_rate"] == "1.08695652"


def test_a_currency_the_books_do_not_have_is_held_naming_it(shop: UowFactory) -> None:
    paid_order(shop, "1", currency="GBP")
    report = accounting.generate_documents(shop(), "books")
    assert "GBP" in report.held["shop:order:1"]
    assert "books have EUR, USD" in report.held["shop:order:1"]


class ThrottledBooks(InMemoryBooks):
    def post_document(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        raise RateLimited("429 Too Many Requests", retry_after=60)

    def iter_documents(self, kind: str, since: datetime) -> Iterator[Sequence[PostedDocument]]:
        return iter(())


def test_a_rate_limit_stops_the_run_and_leaves_every_document_to_post_later(
    shop: UowFactory,
) -> None:
    for n in range(3):
        paid_order(shop, str(n))
    accounting.generate_documents(shop(), "books")
    report = posting.post_pending_documents(shop, "books", ThrottledBooks())
    assert report.stopped is not None and "429" in report.stopped
    assert pending_events(shop) == 3
    books = InMemoryBooks()
    posting.post_pending_documents(shop, "books", books)
    assert sorted(books.keys()) == ["shop:order:0", "shop:order:1", "shop:order:2"]


def test_posting_on_shipment_waits_for_the_shipment_and_invoices_what_is_unpaid(
    shop: UowFactory,
) -> None:
    set_policy(shop, currencies=("EUR",), posting_point=PostingPoint.SHIPMENT)
    paid_order(shop, "paid-not-shipped")
    unpaid = paid_order(shop, "unpaid-shipped")
    with shop() as u:
        for order in u.orders.list():
            if order.external_id == "unpaid-shipped":
                order.payments.clear()
                order.status = OrderStatus.SHIPPED
        u.commit()
    report = accounting.generate_documents(shop(), "books")
    assert report.created == ["shop:order:unpaid-shipped"]
    doc = documents(shop)["shop:order:unpaid-shipped"]
    assert doc.kind is DocumentKind.SALES_INVOICE and unpaid.id is not None
    assert doc.source == f"order:{unpaid.id}"
