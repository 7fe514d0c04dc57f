"""What an order's current state requires of the books, as a table of states; and a
reversal that undoes its original line for line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.domain.documents import Document, DocumentKind, EntryLine, PostingPoint
from hub.domain.money import Money
from hub.domain.order_documents import (
    channel_posting_point,
    invoice_date,
    invoice_due,
    no_longer_owed,
    required_keys,
    reversal,
    reversed_key,
)
from hub.domain.orders import FinancialStatus, Order, OrderStatus, Payment, Refund

S, F, P = OrderStatus, FinancialStatus, PostingPoint
PLACED = datetime(2026, 11, 1, 9, tzinfo=UTC)
PAID = datetime(2026, 11, 3, 12, tzinfo=UTC)


def order(status: OrderStatus, paid: bool, money: FinancialStatus | None = None) -> Order:
    o = Order(1, 1, "1001", "USD", PLACED, status=status, financial_status=money)
    if paid:
        o.payments.append(Payment("card", Money.of("110.00", "USD"), "p1", PAID))
    return o


@pytest.mark.parametrize(
    ("status", "paid", "money", "point", "due", "void"),
    [
        (S.READY, False, F.PENDING, P.PAYMENT, False, False),  # not paid yet
        (S.READY, True, F.PAID, P.PAYMENT, True, False),  # late payment: invoice now
        (S.ALLOCATED, True, F.PAID, P.SHIPMENT, False, False),  # waits for dispatch
        (S.SHIPPED, False, F.PENDING, P.SHIPMENT, True, False),  # invoiced on dispatch
        (S.SHIPPED, False, F.PENDING, P.PAYMENT, False, False),
        (S.REFUNDED, True, F.REFUNDED, P.SHIPMENT, True, False),
        (S.CANCELLED, False, F.PENDING, P.SHIPMENT, False, True),  # before capture
        (S.CANCELLED, False, None, P.PAYMENT, False, True),
        (S.CANCELLED, True, F.PAID, P.PAYMENT, True, False),  # captured: refunds follow
        (S.CANCELLED, True, F.VOIDED, P.PAYMENT, False, True),  # the capture was voided
        (S.READY, True, F.VOIDED, P.PAYMENT, False, True),
    ],
)
def test_what_the_state_requires(
    status: OrderStatus,
    paid: bool,
    money: FinancialStatus | None,
    point: PostingPoint,
    due: bool,
    void: bool,
) -> None:
    o = order(status, paid, money)
    assert invoice_due(o, point) is due
    assert no_longer_owed(o) is void
    assert not (due and void)


def test_every_refund_of_a_due_order_needs_a_credit_note_even_without_a_platform_id() -> None:
    o = order(S.READY, True, F.PARTIALLY_REFUNDED)
    o.refunds += [Refund(Money.of("5", "USD"), "r-1"), Refund(Money.of("6", "USD"), id=42)]
    assert required_keys(o, "shop", P.PAYMENT) == [
        "shop:order:1001",
        "shop:order:1001:refund:r-1",
        "shop:order:1001:refund:hub-42",
    ]
    assert required_keys(order(S.CANCELLED, False), "shop", P.PAYMENT) == []


def test_the_invoice_is_dated_on_payment_or_on_the_day_of_dispatch() -> None:
    today = date(2026, 12, 5)
    assert invoice_date(order(S.READY, True), P.PAYMENT, today) == date(2026, 11, 3)
    assert invoice_date(order(S.SHIPPED, False), P.SHIPMENT, today) == today


def test_a_channel_setting_overrides_the_connections_posting_point() -> None:
    assert channel_posting_point({}, P.PAYMENT) is P.PAYMENT
    assert channel_posting_point({"books_posting_point": "shipment"}, P.PAYMENT) is P.SHIPMENT


def test_a_reversal_turns_every_line_and_keeps_the_counter_line_last() -> None:
    usd = "USD"
    original = Document(
        1,
        7,
        DocumentKind.SALES_INVOICE,
        "shop:order:1001",
        date(2026, 11, 3),
        usd,
        [
            EntryLine("Clearing", Money.of("110", usd)),
            EntryLine("Sales", Money.of("-100", usd)),
            EntryLine("Tax", Money.of("-10", usd), tax_code="VAT20"),
        ],
        party="Ann",
    )
    undo = reversal(original, date(2026, 12, 5))
    assert undo.kind is DocumentKind.REVERSAL and undo.key == "shop:order:1001:void"
    assert reversed_key(undo.key) == original.key and reversed_key(original.key) is None
    assert [(ln.account, ln.amount.amount, ln.tax_code) for ln in undo.lines] == [
        ("Sales", Decimal("100.00"), None),
        ("Tax", Decimal("10.00"), "VAT20"),
        ("Clearing", Decimal("-110.00"), None),
    ]
    assert undo.date == date(2026, 12, 5) and undo.total == original.total
