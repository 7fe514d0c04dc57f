"""Aged receivables and payables against hand-computed figures, on SQLite and PostgreSQL.

The documents are stored as the generation service stores them (DocumentStore), so the
reports read exactly what the books were sent; every expected figure below is worked out
by hand from the dates, the terms and the amounts in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.db import tables as t
from hub.db.accounting_store import DocumentStore
from hub.domain.documents import Document, DocumentKind, DocumentStatus, EntryLine
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services import catalog
from hub.services.accounting_books import connection_id
from hub.services.finance_reports import (
    FinanceQuery,
    record_bill_payment,
    run_finance_report,
    set_terms,
)
from tests.integration.books_setup import UowFactory, setup_books

K = DocumentKind
CLEARING = "Assets:Clearing:Shop"
AS_OF = date(2026, 11, 30)


def _doc(
    uow: UowFactory,
    kind: DocumentKind,
    key: str,
    on: date,
    amount: str,
    party: str,
    *,
    currency: str = "USD",
    payout: str | None = None,
    fx_rate: str | None = None,
    status: DocumentStatus = DocumentStatus.POSTED,
    extra_discount: str | None = None,
    source: str = "",
) -> None:
    """A document whose clearing line is `amount` (negative for a credit note)."""
    m = Money.of(Decimal(amount), currency)
    if kind is K.SUPPLIER_BILL:
        lines = [EntryLine("Assets:Inventory", m), EntryLine("Liabilities:AP", -m)]
    elif kind is K.PAYOUT:
        lines = [EntryLine("Assets:Bank", m), EntryLine(CLEARING, -m)]
    elif kind is K.CREDIT_NOTE:
        lines = [EntryLine("Income:Sales", -m), EntryLine(CLEARING, m)]
    else:
        lines = [EntryLine(CLEARING, m)]
        if extra_discount:  # the total (debits) is then more than the receivable
            d = Money.of(Decimal(extra_discount), currency)
            lines.append(EntryLine("Expenses:Discounts", d))
            lines.append(EntryLine("Income:Sales", -(m + d)))
        else:
            lines.append(EntryLine("Income:Sales", -m))
    with uow() as u:
        assert u.tenant_id is not None
        cid = connection_id(u, "books")
        doc = Document(
            tenant_id=u.tenant_id,
            connection_id=cid,
            kind=kind,
            key=key,
            date=on,
            currency=currency,
            lines=lines,
            party=party,
            source=source,
            payout=payout,
            fx_rate=Decimal(fx_rate) if fx_rate else None,
            status=status,
        )
        DocumentStore(u.session, u.tenant_id).add(doc)
        u.commit()


def _by(rows: list[dict[str, object]], *group: str) -> dict[str, object]:
    (row,) = [r for r in rows if tuple(r[k] for k in ("channel", "customer", "currency")) == group]
    return row


def _d(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.fixture
def receivables(tenant: UowFactory) -> UowFactory:
    setup_books(tenant, currencies=("EUR",))
    set_terms(tenant(), "channel", "shop", 14)
    # Ann: receipt 11-25 (due 12-09, current) 100, its refund 11-26 (current) -20,
    # an old receipt 07-01 (due 07-15: 138 days late, 90+) 30, a EUR receipt 11-29 at
    # 1.10 (current) 10 EUR = 11.00 USD.
    _doc(tenant, K.SALES_RECEIPT, "shop:order:1", date(2026, 11, 25), "100.00", "Ann")
    _doc(tenant, K.CREDIT_NOTE, "shop:order:1:refund:9", date(2026, 11, 26), "-20.00", "Ann")
    _doc(tenant, K.SALES_RECEIPT, "shop:order:3", date(2026, 7, 1), "30.00", "Ann")
    _doc(tenant, K.SALES_RECEIPT, "shop:order:8", date(2026, 11, 29), "10.00", "Ann",
         currency="EUR", fx_rate="1.10")  # fmt: skip
    # Bob: invoiced on dispatch 10-01 (due 10-15: 46 days late), 50 owed on a 60 total.
    _doc(tenant, K.SALES_INVOICE, "shop:order:2", date(2026, 10, 1), "50.00", "Bob",
         extra_discount="10.00")  # fmt: skip
    # Cy: paid 11-10 (due 11-24: 6 days late), its payout's journal is dated after as-of.
    _doc(tenant, K.SALES_RECEIPT, "shop:order:5", date(2026, 11, 10), "25.00", "Cy",
         payout="shop:P2")  # fmt: skip
    _doc(tenant, K.PAYOUT, "shop:settlement:P2", date(2026, 12, 3), "25.00", "shop",
         payout="shop:P2")  # fmt: skip
    # Dee: a EUR receipt with no rate recorded: its home figure is unknown, never 0.
    _doc(tenant, K.SALES_RECEIPT, "shop:order:10", date(2026, 11, 28), "5.00", "Dee",
         currency="EUR")  # fmt: skip
    # Closed by as-of: paid out on 11-20; reversed on 11-15; held; voided.
    _doc(tenant, K.SALES_RECEIPT, "shop:order:4", date(2026, 11, 1), "40.00", "Eve",
         payout="shop:P1")  # fmt: skip
    _doc(tenant, K.PAYOUT, "shop:settlement:P1", date(2026, 11, 20), "40.00", "shop",
         payout="shop:P1")  # fmt: skip
    _doc(tenant, K.SALES_INVOICE, "shop:order:6", date(2026, 11, 1), "70.00", "Eve")
    _doc(tenant, K.REVERSAL, "shop:order:6:void", date(2026, 11, 15), "-70.00", "Eve")
    _doc(tenant, K.SALES_RECEIPT, "shop:order:7", date(2026, 11, 2), "9.00", "Eve",
         status=DocumentStatus.HELD)  # fmt: skip
    _doc(tenant, K.SALES_INVOICE, "shop:order:11", date(2026, 11, 2), "8.00", "Eve",
         status=DocumentStatus.VOIDED)  # fmt: skip
    return tenant


def test_aged_receivables_bucket_each_open_amount_by_days_past_its_due_date(
    receivables: UowFactory,
) -> None:
    rows = run_finance_report(receivables(), "ar-aging", FinanceQuery("books", AS_OF))
    ann = _by(rows, "shop", "Ann", "USD")
    assert (_d(ann["current"]), _d(ann["90+"]), _d(ann["total"])) == (80, 30, 110)
    assert ann["documents"] == 3 and _d(ann["home_total"]) == 110
    ann_eur = _by(rows, "shop", "Ann", "EUR")
    assert (_d(ann_eur["current"]), _d(ann_eur["home_total"])) == (10, Decimal("11.00"))
    bob = _by(rows, "shop", "Bob", "USD")
    assert (_d(bob["31-60"]), _d(bob["total"])) == (50, 50)  # the clearing side, not 60
    assert _d(_by(rows, "shop", "Cy", "USD")["1-30"]) == 25
    dee = _by(rows, "shop", "Dee", "EUR")
    assert _d(dee["current"]) == 5 and dee["home_total"] is None
    assert not [r for r in rows if r["customer"] == "Eve"]  # paid out, reversed, held, voided
    usd = _by(rows, "(total)", "(total)", "USD")
    assert [_d(usd[b]) for b in ("current", "1-30", "31-60", "61-90", "90+", "total")] == [
        80, 25, 50, 0, 30, 185,
    ]  # fmt: skip
    assert usd["documents"] == 5
    home = _by(rows, "(total)", "(total)", "USD (home)")
    # current = 80 USD + 11 USD + 5 EUR at no known rate: unknown; the rest is known.
    assert home["current"] is None and home["total"] is None
    assert [_d(home[b]) for b in ("1-30", "31-60", "61-90", "90+")] == [25, 50, 0, 30]


def test_a_receivable_is_open_until_its_payout_is_received_or_it_is_reversed(
    receivables: UowFactory,
) -> None:
    """On 11-15 Eve's receipt of 11-01 (due 11-15) waits for its payout of 11-20, and her
    invoice of 11-01 is reversed that very day; Cy's receipt of 11-10 is current."""
    rows = run_finance_report(receivables(), "ar-aging", FinanceQuery("books", date(2026, 11, 15)))
    eve = _by(rows, "shop", "Eve", "USD")
    assert (_d(eve["current"]), _d(eve["total"]), eve["documents"]) == (40, 40, 1)
    assert _d(_by(rows, "shop", "Cy", "USD")["current"]) == 25
    assert {r["customer"] for r in rows} == {"Ann", "Bob", "Cy", "Eve", "(total)"}


def test_channel_terms_move_the_due_date(receivables: UowFactory) -> None:
    """Without terms Bob's invoice of 10-01 is 60 days late on 11-30 (31-60 still), Ann's
    receipt of 11-25 is 5 days late and its refund of 11-26 4 days: both in 1-30."""
    set_terms(receivables(), "channel", "shop", 0)
    rows = run_finance_report(receivables(), "ar-aging", FinanceQuery("books", AS_OF))
    ann = _by(rows, "shop", "Ann", "USD")
    assert (_d(ann["current"]), _d(ann["1-30"])) == (0, 80)
    assert _d(_by(rows, "shop", "Bob", "USD")["31-60"]) == 50


@pytest.fixture
def payables(tenant: UowFactory) -> UowFactory:
    setup_books(tenant)
    supplier = catalog.create_supplier(tenant(), "ACME", "Acme Ltd", "USD")
    catalog.create_warehouse(tenant(), "W1", "Main")
    with tenant() as u:
        wid = u.warehouses.find(code="W1").id  # type: ignore[union-attr]
        po = u.session.execute(
            t.purchase_orders.insert()
            .values(
                tenant_id=u.tenant_id,
                supplier_id=supplier.id,
                number="PO1",
                warehouse_id=wid,
                currency="USD",
                status=PurchaseOrderStatus.RECEIVED,
                ordered_at=datetime(2026, 7, 1, tzinfo=UTC),
            )
            .returning(t.purchase_orders.c.id)
        ).scalar_one()
        receipt = u.session.execute(
            t.receipts.insert()
            .values(
                tenant_id=u.tenant_id,
                purchase_order_id=po,
                warehouse_id=wid,
                actor="test",
                received_at=datetime(2026, 8, 1, tzinfo=UTC),
            )
            .returning(t.receipts.c.id)
        ).scalar_one()
        u.commit()
    set_terms(tenant(), "supplier", "ACME", 30)
    src = f"receipt:{receipt}"
    _doc(tenant, K.SUPPLIER_BILL, "purchase:PO1:receipt:1", date(2026, 10, 1), "200.00",
         "Acme Ltd", source=src)  # fmt: skip
    _doc(tenant, K.SUPPLIER_BILL, "purchase:PO1:receipt:2", date(2026, 8, 1), "80.00",
         "Acme Ltd", source=src)  # fmt: skip
    _doc(tenant, K.SUPPLIER_BILL, "purchase:PO1:receipt:3", date(2026, 11, 20), "40.00",
         "Acme Ltd", source=src)  # fmt: skip
    return tenant


def test_aged_payables_take_off_what_was_paid_by_the_date(payables: UowFactory) -> None:
    """Bill 1: 200 due 10-31, 50 paid 10-20 (30 more paid after as-of): 150, 30 days
    late. Bill 2: 80 due 08-31, 91 days late. Bill 3 paid whole on 11-25 (no amount)."""
    record_bill_payment(payables(), "books", "purchase:PO1:receipt:1", date(2026, 10, 20),
                        Decimal("50"))  # fmt: skip
    record_bill_payment(payables(), "books", "purchase:PO1:receipt:1", date(2026, 12, 2),
                        Decimal("30"))  # fmt: skip
    done = record_bill_payment(payables(), "books", "purchase:PO1:receipt:3", date(2026, 11, 25))
    assert (Decimal(done["paid"]), Decimal(done["open"])) == (40, 0)
    rows = run_finance_report(payables(), "ap-aging", FinanceQuery("books", AS_OF))
    (acme,) = [r for r in rows if r["supplier"] == "ACME"]
    assert [_d(acme[b]) for b in ("current", "1-30", "31-60", "61-90", "90+", "total")] == [
        0, 150, 0, 0, 80, 230,
    ]  # fmt: skip
    assert acme["documents"] == 2


def test_a_bill_cannot_be_paid_beyond_what_is_open(payables: UowFactory) -> None:
    with pytest.raises(InvalidValue, match=r"at most 40\.00 open"):
        record_bill_payment(payables(), "books", "purchase:PO1:receipt:3", date(2026, 11, 25),
                            Decimal("40.01"))  # fmt: skip
    rows = run_finance_report(payables(), "ap-aging", FinanceQuery("books", AS_OF))
    (acme,) = [r for r in rows if r["supplier"] == "ACME"]
    assert _d(acme["total"]) == 320  # nothing recorded
