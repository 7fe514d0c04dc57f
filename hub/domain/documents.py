"""Accounting documents as the hub sees them: balanced double-entry lines with a
deterministic key, built from orders, refunds, receipts and payouts.

A document's `key` is the same every time the same hub event is turned into a document,
so generating twice yields one row, and the key written into the books (DocNumber,
Reference, metadata) finds an earlier post after an uncertain failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from hub.domain.errors import DomainError
from hub.domain.money import Money, total

__all__ = [
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "EntryLine",
    "LockPolicy",
    "PostingPoint",
    "SummaryMode",
    "Unbalanced",
    "apply_period_lock",
    "idempotency_key",
    "short_reference",
]


class DocumentKind(StrEnum):
    SALES_RECEIPT = "sales_receipt"  # paid order
    SALES_INVOICE = "sales_invoice"  # order posted before payment (posting on shipment)
    CREDIT_NOTE = "credit_note"  # refund
    SUPPLIER_BILL = "supplier_bill"  # purchase receipt -> payables
    FEE = "fee"  # marketplace / gateway fee taken from a payout
    PAYOUT = "payout"  # settlement journal: clearing -> bank
    REVERSAL = "reversal"  # undoes a posted sales document the order no longer owes
    INVENTORY = "inventory_journal"  # cost of goods shipped or returned, counts, scrap


class DocumentStatus(StrEnum):
    PENDING = "pending"  # generated, waiting in the outbox
    POSTING = "posting"  # a post was attempted and its outcome is not known yet
    POSTED = "posted"  # the books hold it; external_id recorded
    HELD = "held"  # cannot be posted until a person acts; hold_reason says why
    VOIDED = "voided"  # never reached the books and no longer owed: voided in the hub only


class PostingPoint(StrEnum):
    PAYMENT = "payment"
    SHIPMENT = "shipment"


class SummaryMode(StrEnum):
    PER_ORDER = "per_order"  # one receipt / invoice per order
    DAILY = "daily"  # one receipt per channel, day and currency (closed days only)


class LockPolicy(StrEnum):
    SHIFT = "shift"  # post on the first open date and flag it
    HOLD = "hold"  # keep it back until someone reopens the period


class Unbalanced(DomainError):
    def __init__(self, record: str, debits: Money, credits: Money) -> None:
        super().__init__(
            f"{record}: lines do not balance: debits {debits.amount} != credits "
            f"{credits.amount} {debits.currency}"
        )
        self.record = record


@dataclass(frozen=True)
class EntryLine:
    """One leg: a positive amount is a debit, a negative one a credit."""

    account: str
    amount: Money
    tax_code: str | None = None
    memo: str = ""

    def __post_init__(self) -> None:
        # Amounts loaded from NUMERIC columns carry extra zeros: keep the currency's units.
        object.__setattr__(self, "amount", self.amount.rounded())

    @property
    def debit(self) -> Decimal:
        return max(self.amount.amount, Decimal(0))

    @property
    def credit(self) -> Decimal:
        return max(-self.amount.amount, Decimal(0))


@dataclass(eq=False)
class Document:
    tenant_id: int
    connection_id: int
    kind: DocumentKind
    key: str
    date: date
    currency: str
    lines: list[EntryLine] = field(default_factory=list)
    party: str = ""  # customer or vendor name in the books
    source: str = ""  # the hub record it came from, e.g. "order:12"
    payout: str | None = None  # the payout whose clearing this document moves
    fx_rate: Decimal | None = None  # home-currency units per one document unit
    fx_source: str | None = None
    status: DocumentStatus = DocumentStatus.PENDING
    hold_reason: str | None = None
    flags: list[str] = field(default_factory=list)
    external_id: str | None = None
    generation: int = 1  # bumped when repair re-posts, so idempotency keys never replay
    members: list[str] = field(default_factory=list)  # order keys a daily summary covers
    attempts: int = 0
    posted_at: datetime | None = None
    id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.kind.value} {self.key}"

    @property
    def total(self) -> Money:
        """The document's gross: the sum of its debits."""
        return total([line.amount for line in self.lines if line.debit], self.currency)

    def line_records(self) -> list[dict[str, str | None]]:
        """The lines as plain JSON records: stored as such, and handed to connectors."""
        return [
            {
                "account": ln.account,
                "amount": str(ln.amount.amount),
                "tax_code": ln.tax_code,
                "memo": ln.memo,
            }
            for ln in self.lines
        ]

    def account_total(self, account: str) -> Money:
        return total([ln.amount for ln in self.lines if ln.account == account], self.currency)

    def check_balanced(self) -> None:
        """Refuse a document whose debits and credits differ, or that has no lines."""
        if not self.lines:
            raise Unbalanced(self.label, Money.zero(self.currency), Money.zero(self.currency))
        debits = total([ln.amount for ln in self.lines if ln.debit], self.currency)
        credits = total([-ln.amount for ln in self.lines if ln.credit], self.currency)
        if debits != credits:
            raise Unbalanced(self.label, debits, credits)

    def hold(self, reason: str) -> None:
        self.status = DocumentStatus.HELD
        self.hold_reason = reason


def short_reference(key: str) -> str:
    """A 17-character reference derived from the key, for fields as short as QuickBooks'
    DocNumber (21): the same key always gives the same reference."""
    return "H" + hashlib.sha256(key.encode()).hexdigest()[:16]


def idempotency_key(document: Document) -> str:
    """≤ 50 characters (QuickBooks requestid) and new per generation: a requestid re-sent
    after the books lost the document would replay the dead id instead of posting."""
    digest = hashlib.sha256(f"{document.connection_id}|{document.key}".encode()).hexdigest()
    return f"hub-{digest[:32]}-g{document.generation}"


def apply_period_lock(document: Document, lock_date: date | None, policy: LockPolicy) -> bool:
    """Books closed up to and including `lock_date`: move the document to the first open
    date (flagged, the original date kept in the flag) or hold it. True when held."""
    if lock_date is None or document.date > lock_date:
        return False
    if policy is LockPolicy.HOLD:
        document.hold(f"period closed: {document.date} is on or before the lock date {lock_date}")
        return True
    first_open = date.fromordinal(lock_date.toordinal() + 1)
    document.flags.append(f"period_shifted:{document.date.isoformat()}")
    document.date = first_open
    return False
