"""The finance reports, against one books connection at an as-of date: aged receivables,
aged payables and the payout clearing status. Each is a list of flat rows, as the
operator reports (hub.services.reports), so the CLI, the API, the CSV export and the
dashboard share one shape.

What is open (docs/reports.md says it for the reader):
- a sales receipt (paid order) or a sales invoice (order invoiced on dispatch, before
  payment) is owed for what it put on clearing until the payout that settles it is
  received (the payout's journal is dated on or before the as-of date) or the order's
  reversal undoes it; a credit note takes its clearing credit off the same way;
- a supplier bill is owed for its total less the payments recorded against it
  (`hub books bill-paid`: the hub has no supplier payments of its own).
Held and voided documents are not in the books, so they are not aged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.db import aging_queries as q
from hub.db.accounting_store import DocumentStore
from hub.db.tables_accounting import accounting_documents
from hub.db.tables_books_reports import payment_terms, supplier_payments
from hub.db.unit_of_work import UnitOfWork
from hub.domain.aging import OpenItem, age_rows
from hub.domain.clock import utcnow
from hub.domain.documents import DocumentKind, DocumentStatus
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.services.accounting_books import connection_id, load_books
from hub.services.payouts import payout_status

__all__ = [
    "FINANCE_REPORTS",
    "FinanceQuery",
    "ap_aging",
    "ar_aging",
    "payout_clearing",
    "record_bill_payment",
    "run_finance_report",
    "set_terms",
]

Row = dict[str, Any]


@dataclass(frozen=True)
class FinanceQuery:
    books: str  # the accounting connection's name
    as_of: date
    since: date | None = None  # payout clearing: payouts paid from this day on


def _clearing_amount(lines: Sequence[dict[str, Any]], kind: str, clearing: set[str]) -> Decimal:
    """What the document put on clearing (debit positive). Without a clearing account in
    the chart, the side Xero books as the receivable: a sales document's first line, a
    credit note's last (the builders put them there)."""
    mine = [Decimal(str(ln["amount"])) for ln in lines if ln["account"] in clearing]
    if mine:
        return sum(mine, Decimal(0))
    if not lines:
        return Decimal(0)
    line = lines[0] if kind != DocumentKind.CREDIT_NOTE else lines[-1]
    return Decimal(str(line["amount"]))


def ar_aging(uow: UnitOfWork, query: FinanceQuery) -> list[Row]:
    """Aged receivables per channel and customer, per currency and in the home currency."""
    with uow:
        tenant_id = _tenant(uow)
        cid = connection_id(uow, query.books)
        store = DocumentStore(uow.session, tenant_id)
        policy = store.policy(cid)
        books = load_books(uow.session, tenant_id, cid, policy, ())
        clearing = {e.account_code for e in books.chart if e.role is AccountRole.CLEARING}
        _no_jit(uow.session)
        items = [
            OpenItem(
                (r.channel or "-", r.party or "-"),
                r.key,
                r.date,
                int(r.terms),
                r.currency,
                _clearing_amount(r.lines, r.kind, clearing),
                Decimal(r.fx_rate) if r.fx_rate else None,
            )
            for r in uow.session.execute(q.open_receivables(tenant_id, cid, query.as_of))
        ]
    return age_rows(items, query.as_of, policy.home_currency, ("channel", "customer"))


def ap_aging(uow: UnitOfWork, query: FinanceQuery) -> list[Row]:
    """Aged payables per supplier: each bill's total less what was paid by the date."""
    with uow:
        tenant_id = _tenant(uow)
        cid = connection_id(uow, query.books)
        policy = DocumentStore(uow.session, tenant_id).policy(cid)
        paid: dict[str, Decimal] = {}
        for key, amount in uow.session.execute(q.bill_payments(tenant_id, cid, query.as_of)):
            paid[key] = paid.get(key, Decimal(0)) + Decimal(amount)
        items = [
            OpenItem(
                (r.supplier or r.party or "-",),
                r.key,
                r.date,
                int(r.terms),
                r.currency,
                _units(Decimal(r.total) - paid.get(r.key, Decimal(0)), r.currency),
                Decimal(r.fx_rate) if r.fx_rate else None,
            )
            for r in uow.session.execute(q.open_bills(tenant_id, cid, query.as_of))
        ]
    return age_rows(
        [i for i in items if i.amount > 0], query.as_of, policy.home_currency, ("supplier",)
    )


def payout_clearing(uow: UnitOfWork, query: FinanceQuery) -> list[Row]:
    """Per payout paid in the window: what the channel said it pays (expected), what the
    bank line says arrived (settled), what its documents leave on clearing, the bank
    match and the findings; computed by hub.services.payouts.payout_status, the same
    figures as `hub payouts list --books`."""
    views = payout_status(uow, query.books, paid_from=query.since, paid_to=query.as_of)
    rows = []
    for v in views:
        s, bank = v.settlement, v.bank_line
        rows.append(
            {
                "channel": s.channel,
                "payout": s.external_id,
                "paid_on": s.paid_on.isoformat(),
                "currency": s.net.currency,
                "status": s.status,
                "channel_settled": s.settled,
                "expected": str(s.net.amount),
                "settled": None if bank is None else str(bank.amount.amount),
                "journal": v.document.status.value if v.document else None,
                "clearing_account": v.clearing_account,
                "clearing_left": None if v.clearing is None else str(v.clearing.amount),
                "bank_match": "matched" if bank is not None else "unmatched",
                "bank_booked_on": None if bank is None else bank.booked_on.isoformat(),
                "findings": len(v.findings),
                "detail": "; ".join(v.findings),
            }
        )
    return rows


FINANCE_REPORTS: dict[str, Callable[[UnitOfWork, FinanceQuery], list[Row]]] = {
    "ar-aging": ar_aging,
    "ap-aging": ap_aging,
    "payout-clearing": payout_clearing,
}


def run_finance_report(uow: UnitOfWork, name: str, query: FinanceQuery) -> list[Row]:
    if name not in FINANCE_REPORTS:
        raise InvalidValue(
            "report", name, f"must be one of {', '.join(FINANCE_REPORTS)}", "finance report"
        )
    if query.since is not None and query.since > query.as_of:
        raise InvalidValue("since", str(query.since), f"is after as-of {query.as_of}", name)
    return FINANCE_REPORTS[name](uow, query)


def set_terms(uow: UnitOfWork, party_kind: str, party: str, days: int) -> None:
    """Payment terms of a channel (by name) or a supplier (by code): due date = document
    date + `days`. 0 removes them (due on the document's date)."""
    if party_kind not in ("channel", "supplier"):
        raise InvalidValue("party_kind", party_kind, "must be channel or supplier", party)
    if not 0 <= days <= 3650:
        raise InvalidValue("days", days, "must be between 0 and 3650", f"{party_kind} {party}")
    with uow:
        tenant_id = _tenant(uow)
        if party_kind == "channel":
            uow.channels.by_key(party)  # NotFound names it
        pt = payment_terms.c
        uow.session.execute(
            payment_terms.delete().where(
                pt.tenant_id == tenant_id, pt.party_kind == party_kind, pt.party == party
            )
        )
        if days:
            uow.session.execute(
                payment_terms.insert().values(
                    tenant_id=tenant_id, party_kind=party_kind, party=party, days=days
                )
            )
        uow.commit()


def record_bill_payment(
    uow: UnitOfWork,
    books: str,
    key: str,
    paid_on: date,
    amount: Decimal | None = None,
    reference: str = "",
) -> dict[str, str]:
    """A payment to a supplier against one bill (by its document key); without an amount,
    what is still open on it. Refuses more than is open, and a bill that is not one."""
    with uow:
        tenant_id = _tenant(uow)
        cid = connection_id(uow, books)
        d, p = accounting_documents.c, supplier_payments.c
        bill = uow.session.execute(
            select(d.kind, d.total, d.currency, d.status, d.date).where(
                d.tenant_id == tenant_id, d.connection_id == cid, d.key == key
            )
        ).first()
        if bill is None or bill.kind != DocumentKind.SUPPLIER_BILL:
            raise NotFound("supplier bill", key, "key")
        if bill.status == DocumentStatus.VOIDED:
            raise InvalidValue("status", bill.status, "the bill is voided", key)
        if paid_on < bill.date:
            raise InvalidValue("paid_on", str(paid_on), f"is before the bill's {bill.date}", key)
        paid = sum(
            (
                Decimal(a)
                for a in uow.session.scalars(
                    select(p.amount).where(p.connection_id == cid, p.document_key == key)
                )
            ),
            Decimal(0),
        )
        open_amount = _units(Decimal(bill.total) - paid, bill.currency)
        pay = open_amount if amount is None else amount
        if pay <= 0 or pay > open_amount:
            raise InvalidValue(
                "amount", str(pay), f"must be more than 0 and at most {open_amount} open", key
            )
        uow.session.execute(
            supplier_payments.insert().values(
                tenant_id=tenant_id,
                connection_id=cid,
                document_key=key,
                paid_on=paid_on,
                currency=bill.currency,
                amount=pay,
                reference=reference[:200],
                created_at=utcnow(),
            )
        )
        uow.commit()
    return {
        "bill": key,
        "paid": str(pay),
        "currency": bill.currency,
        "open": str(open_amount - pay),
    }


def _units(amount: Decimal, currency: str) -> Decimal:
    """In the currency's minor units (PostgreSQL hands NUMERIC(24, 6) with six places)."""
    return Money.of(amount, currency).rounded().amount


def _no_jit(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))  # as hub.services.reports


def _tenant(uow: UnitOfWork) -> int:
    assert uow.tenant_id is not None, "finance reports are always tenant-scoped"
    return uow.tenant_id
