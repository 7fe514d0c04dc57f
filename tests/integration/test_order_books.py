"""The books follow an order's life: each later change is stored the way a platform update
stores it (the order repository, `record_order_change` in the same unit of work), then
the follower runs and the documents are posted into a real Beancount ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from hub.db.accounting_store import DocumentStore
from hub.db.outbox import Outbox, OutboxEvent
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import (
    Document,
    DocumentKind,
    DocumentStatus,
    PostingPoint,
    SummaryMode,
)
from hub.domain.money import Money
from hub.domain.orders import FinancialStatus, Order, OrderStatus, Payment, Refund
from hub.services import accounting, order_books, posting
from hub.services.accounting import POST_TOPIC
from hub.services.accounting_books import connection_id
from hub.services.inbox import list_errors
from hub.services.order_events import ORDER_CHANGED, OrderChange, record_order_change
from reconciliation import Outcome, Period, Report, reconcile
from tests.integration.books_setup import UowFactory, paid_order, set_policy, setup_books
from tests.integration.test_beancount_books import balances, bean_check

WHEN = datetime(2026, 11, 3, 12, tzinfo=UTC)


@pytest.fixture
def books(tenant: UowFactory, tmp_path: Path) -> tuple[UowFactory, BeancountConnector, Path]:
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)})
    return tenant, BeancountConnector(BeancountConfig(ledger_path=str(ledger))), ledger


def unpaid_order(uow: UowFactory, external_id: str) -> int:
    """Stored as it first arrived: 100.00 + 10.00 VAT, nothing paid yet."""
    order = paid_order(uow, external_id)
    with uow() as u:
        stored = u.orders.get(order.id or 0)
        stored.payments = []
        stored.financial_status = FinancialStatus.PENDING
        u.commit()
    assert order.id is not None
    return order.id


def change(uow: UowFactory, order_id: int, kind: OrderChange, apply: object = None) -> None:
    """One platform fact applied to the stored order and announced in the same commit."""
    with uow() as u:
        order = u.orders.get(order_id)
        if callable(apply):
            apply(order, u)
        record_order_change(u, order_id, kind)
        u.commit()


def pay(order: Order, u: UnitOfWork) -> None:
    order.payments.append(
        Payment("shopify_payments", order.grand_total, "p-late", WHEN, tenant_id=u.tenant_id)
    )
    order.financial_status = FinancialStatus.PAID


def refund_of(amount: str, external_id: str | None) -> Callable[[Order, UnitOfWork], None]:
    def apply(order: Order, u: UnitOfWork) -> None:
        when = datetime(2026, 11, 6, 9, tzinfo=UTC)
        order.refunds.append(
            Refund(Money.of(amount, "USD"), external_id, created_at=when, tenant_id=u.tenant_id)
        )

    return apply


def cancel(order: Order, u: UnitOfWork) -> None:
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = WHEN


def ship(order: Order, u: UnitOfWork) -> None:
    order.status = OrderStatus.SHIPPED


def documents(uow: UowFactory) -> dict[str, Document]:
    with uow() as u:
        assert u.tenant_id is not None
        store = DocumentStore(u.session, u.tenant_id)
        return {d.key: d for d in store.documents(connection_id(u, "books"))}


def pending_changes(uow: UowFactory) -> int:
    with uow() as u:
        assert u.tenant_id is not None
        return len(Outbox(u.session, u.tenant_id).pending(ORDER_CHANGED))


def follow_and_post(uow: UowFactory, connector: BeancountConnector) -> posting.PostingReport:
    order_books.follow_order_changes(uow)
    return posting.post_pending_documents(uow, "books", connector)


def test_a_late_payment_builds_the_receipt_and_posts_it_once(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = unpaid_order(uow, "1001")
    assert follow_and_post(uow, connector).posted == []
    change(uow, order_id, "payment", pay)
    report = follow_and_post(uow, connector)
    assert report.posted == ["shop:order:1001"]
    assert documents(uow)["shop:order:1001"].kind is DocumentKind.SALES_RECEIPT
    change(uow, order_id, "payment")  # the same payment seen again (webhook after poll)
    assert follow_and_post(uow, connector).posted == []
    assert pending_changes(uow) == 0
    assert ledger.read_text().count('hub_id: "shop:order:1001"') == 1
    assert balances(ledger)["Assets:Clearing:Shop"] == Decimal("110.00")


def test_a_late_partial_refund_without_a_platform_id_gets_its_credit_note(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = paid_order(uow, "1002").id or 0
    change(uow, order_id, "payment")
    follow_and_post(uow, connector)
    change(uow, order_id, "refund", refund_of("22.00", None))
    change(uow, order_id, "refund", refund_of("11.00", "r-2"))
    report = follow_and_post(uow, connector)
    with uow() as u:
        first = u.orders.get(order_id).refunds[0].id
    assert sorted(report.posted) == [
        f"shop:order:1002:refund:hub-{first}",
        "shop:order:1002:refund:r-2",
    ]
    assert bean_check(ledger).returncode == 0
    assert balances(ledger)["Assets:Clearing:Shop"] == Decimal("77.00")  # 110 - 22 - 11


def test_a_cancellation_before_capture_books_nothing(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = unpaid_order(uow, "1003")
    change(uow, order_id, "cancellation", cancel)
    follow_and_post(uow, connector)
    assert documents(uow) == {}
    assert not ledger.exists() or "1003" not in ledger.read_text()


def test_an_invoice_posted_on_dispatch_is_reversed_when_the_order_is_cancelled_unpaid(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, "1004")
    change(uow, order_id, "shipment", ship)
    assert follow_and_post(uow, connector).posted == ["shop:order:1004"]
    assert documents(uow)["shop:order:1004"].kind is DocumentKind.SALES_INVOICE
    change(uow, order_id, "cancellation", cancel)
    assert follow_and_post(uow, connector).posted == ["shop:order:1004:void"]
    void = documents(uow)["shop:order:1004:void"]
    assert void.kind is DocumentKind.REVERSAL
    assert bean_check(ledger).returncode == 0
    left = balances(ledger)
    assert left["Assets:Clearing:Shop"] == 0 and left["Income:Sales"] == 0
    change(uow, order_id, "cancellation")  # seen again
    assert follow_and_post(uow, connector).posted == []


def test_an_invoice_not_posted_yet_is_voided_in_the_hub_and_never_reaches_the_books(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, "1005")
    change(uow, order_id, "shipment", ship)
    order_books.follow_order_changes(uow)  # built and queued, not posted
    change(uow, order_id, "cancellation", cancel)
    report = follow_and_post(uow, connector)
    assert report.posted == []
    docs = documents(uow)
    assert docs["shop:order:1005"].status is DocumentStatus.VOIDED
    assert "shop:order:1005:void" not in docs
    assert not ledger.exists() or "1005" not in ledger.read_text()


def test_a_receipt_whose_payment_the_platform_voided_is_reversed(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = paid_order(uow, "1006").id or 0
    change(uow, order_id, "payment")
    follow_and_post(uow, connector)

    def void_payment(order: Order, u: UnitOfWork) -> None:
        order.financial_status = FinancialStatus.VOIDED
        order.status = OrderStatus.CANCELLED

    change(uow, order_id, "payment", void_payment)
    assert follow_and_post(uow, connector).posted == ["shop:order:1006:void"]
    assert balances(ledger)["Assets:Clearing:Shop"] == 0


def test_the_same_changes_twice_and_out_of_order_build_no_more_documents(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = unpaid_order(uow, "1007")
    # The refund's update is applied first, then the payment's; each announced twice.
    change(uow, order_id, "refund", refund_of("5.00", "r-1"))
    change(uow, order_id, "refund")
    change(uow, order_id, "payment", pay)
    change(uow, order_id, "payment")
    first = follow_and_post(uow, connector)
    assert sorted(first.posted) == ["shop:order:1007", "shop:order:1007:refund:r-1"]
    for kind in ("payment", "refund", "shipment", "lines", "refund"):
        change(uow, order_id, kind)  # type: ignore[arg-type]
    assert follow_and_post(uow, connector).posted == []
    assert len(documents(uow)) == 2
    text = ledger.read_text()
    assert text.count('hub_id: "shop:order:1007"') == 1
    assert text.count('hub_id: "shop:order:1007:refund:r-1"') == 1


def test_a_change_to_an_order_the_follower_cannot_book_is_retried_then_sent_to_the_error_queue(
    books: tuple[UowFactory, BeancountConnector, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    uow = books[0]
    good = unpaid_order(uow, "1008")
    bad = unpaid_order(uow, "1009")
    change(uow, good, "payment", pay)
    change(uow, bad, "payment", pay)
    real = order_books.refresh_orders

    def refresh(u: UnitOfWork, ids: object) -> object:
        if bad in list(ids):  # type: ignore[call-overload]
            raise RuntimeError("boom")
        return real(u, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(order_books, "refresh_orders", refresh)
    first = order_books.follow_order_changes(uow)
    assert "shop:order:1008" in documents(uow)  # the rest of the batch went on
    assert first.failed == {bad: "RuntimeError: boom"} and first.given_up == []
    assert pending_changes(uow) == 1  # retried by the next runs, with a bound
    for _ in range(order_books.MAX_ATTEMPTS - 2):
        assert order_books.follow_order_changes(uow).given_up == []
    assert order_books.follow_order_changes(uow).given_up == [bad]
    assert pending_changes(uow) == 0
    with uow() as u:
        assert u.tenant_id is not None
        errors = list_errors(u.session, u.tenant_id)
    assert [e.record for e in errors] == [f"order #{bad}"]
    assert "RuntimeError: boom" in errors[0].reason


def test_a_late_payments_receipt_is_dated_on_the_day_it_was_paid(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, _, _ = books
    order_id = unpaid_order(uow, "1010")
    change(uow, order_id, "payment", pay)
    order_books.follow_order_changes(uow)
    assert documents(uow)["shop:order:1010"].date == date(2026, 11, 3)


NOVEMBER = Period.parse("2026-11")


def quietly(uow: UowFactory, order_id: int, apply: object) -> None:
    """A change stored without its announcement: the state a lost event leaves."""
    with uow() as u:
        order = u.orders.get(order_id)
        assert callable(apply)
        apply(order, u)
        u.commit()


def outcomes(report: Report, *wanted: Outcome) -> dict[str, Outcome]:
    return {f.key: f.outcome for f in report.findings if f.outcome in wanted}


def test_reconciliation_finds_the_receipt_a_paid_order_requires_and_repair_posts_it(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = unpaid_order(uow, "1101")
    follow_and_post(uow, connector)
    quietly(uow, order_id, pay)
    quietly(uow, order_id, refund_of("10.00", "r-9"))
    found = reconcile(uow, "books", connector, NOVEMBER)
    assert outcomes(found, Outcome.MISSING_DOCUMENT) == {
        "shop:order:1101": Outcome.MISSING_DOCUMENT,
        "shop:order:1101:refund:r-9": Outcome.MISSING_DOCUMENT,
    }
    detail = next(f.detail for f in found.findings if f.key == "shop:order:1101")
    assert "order 1101" in detail and "sales_receipt" in detail and "never made" in detail
    assert not found.reconciled
    fixed = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    assert fixed.repaired == ["shop:order:1101", "shop:order:1101:refund:r-9"]
    assert fixed.reconciled, [f for f in fixed.problems()]
    assert ledger.read_text().count('hub_id: "shop:order:1101"') == 1


def test_reconciliation_finds_an_invoice_the_order_no_longer_owes_and_repair_reverses_it(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, "1102")
    change(uow, order_id, "shipment", ship)
    follow_and_post(uow, connector)
    quietly(uow, order_id, cancel)
    found = reconcile(uow, "books", connector, NOVEMBER)
    assert outcomes(found, Outcome.SHOULD_BE_VOIDED) == {
        "shop:order:1102": Outcome.SHOULD_BE_VOIDED
    }
    fixed = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    assert fixed.repaired == ["shop:order:1102:void"]
    assert outcomes(fixed, Outcome.SHOULD_BE_VOIDED, Outcome.MISSING_DOCUMENT) == {}
    assert balances(ledger)["Assets:Clearing:Shop"] == 0
    again = reconcile(uow, "books", connector, NOVEMBER, repair_missing=True)
    assert again.repaired == [] and ledger.read_text().count('hub_id: "shop:order:1102:void"') == 1


def test_an_order_followed_in_time_leaves_nothing_for_reconciliation_to_find(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, _ = books
    order_id = unpaid_order(uow, "1103")
    change(uow, order_id, "payment", pay)
    change(uow, order_id, "refund", refund_of("5.00", None))
    follow_and_post(uow, connector)
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert report.reconciled, report.problems()


def test_moving_a_channel_to_invoice_on_dispatch_keeps_the_receipts_already_posted(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, _ = books
    order_id = unpaid_order(uow, "1104")
    change(uow, order_id, "payment", pay)
    assert follow_and_post(uow, connector).posted == ["shop:order:1104"]
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    change(uow, order_id, "lines")
    assert follow_and_post(uow, connector).posted == []
    assert "shop:order:1104:void" not in documents(uow)
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert outcomes(report, Outcome.SHOULD_BE_VOIDED) == {}


def set_status(uow: UowFactory, key: str, status: DocumentStatus) -> None:
    """Where an earlier run left the document (a post in flight, a refusal)."""
    with uow() as u:
        assert u.tenant_id is not None
        store = DocumentStore(u.session, u.tenant_id)
        doc = store.by_key(connection_id(u, "books"), key)
        assert doc is not None
        doc.status = status
        store.save(doc)
        u.commit()


def test_a_reversal_waits_for_its_original_and_is_dropped_if_the_original_never_posts(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_books.set_posting_point(uow(), "shop", PostingPoint.SHIPMENT)
    order_id = unpaid_order(uow, "1105")
    change(uow, order_id, "shipment", ship)
    order_books.follow_order_changes(uow)
    set_status(uow, "shop:order:1105", DocumentStatus.POSTING)  # a post whose outcome is unknown
    change(uow, order_id, "cancellation", cancel)
    order_books.follow_order_changes(uow)
    assert documents(uow)["shop:order:1105:void"].status is DocumentStatus.PENDING
    set_status(uow, "shop:order:1105", DocumentStatus.PENDING)  # still on its way, unqueued
    with uow() as u:  # only the reversal's event is left to post
        assert u.tenant_id is not None
        outbox = Outbox(u.session, u.tenant_id)
        first = [e.id for e in outbox.pending(POST_TOPIC) if "void" not in e.key]
        outbox.mark_delivered([i for i in first if i is not None])
        u.commit()
    waiting = posting.post_pending_documents(uow, "books", connector)
    assert waiting.retry_later == {"shop:order:1105:void": "waits for shop:order:1105 to be posted"}
    set_status(uow, "shop:order:1105", DocumentStatus.HELD)  # the books refused it
    dropped = posting.post_pending_documents(uow, "books", connector)
    assert dropped.posted == [] and dropped.retry_later == {}
    assert documents(uow)["shop:order:1105:void"].status is DocumentStatus.VOIDED
    assert not ledger.exists() or "1105" not in ledger.read_text()


def test_a_receipt_held_for_a_short_payment_is_rebuilt_when_the_rest_is_paid(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, ledger = books
    order_id = paid_order(uow, "1106", paid="105.00").id or 0
    change(uow, order_id, "payment")
    order_books.follow_order_changes(uow)
    held = documents(uow)["shop:order:1106"]
    assert held.status is DocumentStatus.HELD and "105.00 USD != order total" in (
        held.hold_reason or ""
    )

    def top_up(order: Order, u: UnitOfWork) -> None:
        order.payments.append(
            Payment("shopify_payments", Money.of("5.00", "USD"), "p-2", WHEN, tenant_id=u.tenant_id)
        )

    change(uow, order_id, "payment", top_up)
    assert follow_and_post(uow, connector).posted == ["shop:order:1106"]
    with uow() as u:
        assert u.tenant_id is not None
        assert [e.record for e in list_errors(u.session, u.tenant_id)] == []
    assert balances(ledger)["Assets:Clearing:Shop"] == Decimal("110.00")


def test_with_daily_summaries_the_follower_leaves_the_receipt_to_the_days_summary(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow, connector, _ = books
    set_policy(uow, summary=SummaryMode.DAILY)
    order_id = unpaid_order(uow, "1107")
    change(uow, order_id, "payment", pay)
    change(uow, order_id, "refund", refund_of("10.00", "r-1"))
    follow_and_post(uow, connector)
    assert sorted(documents(uow)) == ["shop:order:1107:refund:r-1"]
    accounting.generate_documents(uow(), "books")
    summary = documents(uow)["shop:daily:2026-11-03:USD"]
    assert summary.members == ["shop:order:1107"]
    report = reconcile(uow, "books", connector, NOVEMBER)
    assert outcomes(report, Outcome.MISSING_DOCUMENT) == {}


def test_an_event_naming_no_order_is_recorded_and_the_rest_are_followed(
    books: tuple[UowFactory, BeancountConnector, Path],
) -> None:
    uow = books[0]
    order_id = unpaid_order(uow, "1108")
    with uow() as u:
        assert u.tenant_id is not None
        outbox = Outbox(u.session, u.tenant_id)
        outbox.add(OutboxEvent(ORDER_CHANGED, "order:?", {"change": "payment"}))
        outbox.add(OutboxEvent(ORDER_CHANGED, "order:abc", {"order_id": "abc"}))
        u.commit()
    change(uow, order_id, "payment", pay)
    report = order_books.follow_order_changes(uow)
    assert len(report.refused) == 2 and report.events == 1
    assert "shop:order:1108" in documents(uow)
    assert pending_changes(uow) == 0
    with uow() as u:
        assert u.tenant_id is not None
        reasons = [e.reason for e in list_errors(u.session, u.tenant_id)]
    assert len(reasons) == 2 and all("names no order (order_id)" in r for r in reasons)
