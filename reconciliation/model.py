"""What reconciliation compares and what it concludes: plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "BookEntry",
    "ClearingCheck",
    "Finding",
    "HubEntry",
    "Outcome",
    "Period",
    "Report",
]


class Outcome(StrEnum):
    MATCHED = "matched"
    ROUNDING = "rounding"  # total differs by at most the tolerance: flagged, not failed
    MISSING_IN_BOOKS = "missing_in_books"
    EXTRA_IN_BOOKS = "extra_in_books"
    AMOUNT_MISMATCH = "amount_mismatch"
    FIELD_MISMATCH = "field_mismatch"
    DUPLICATE = "duplicate"
    STATUS_DRIFT = "status_drift"
    HELD = "held"  # the hub could not post it; the reason is in the detail
    # The order's current state against the documents the hub made (not the books):
    MISSING_DOCUMENT = "missing_document"  # required, and the hub never made (or undid) it
    SHOULD_BE_VOIDED = "should_be_voided"  # made, and the order no longer owes it

    @property
    def ok(self) -> bool:
        return self in (Outcome.MATCHED, Outcome.ROUNDING)


@dataclass(frozen=True, slots=True)
class HubEntry:
    """A hub document as reconciliation sees it (amounts in document currency)."""

    key: str
    kind: str
    date: date
    currency: str
    total: Decimal
    accounts: Mapping[str, Decimal]  # signed per account, debit positive
    status: str = "posted"  # the hub's DocumentStatus value
    payout: str | None = None
    hold_reason: str | None = None


@dataclass(frozen=True, slots=True)
class BookEntry:
    """A hub-tagged document read back from the books."""

    key: str
    external_id: str
    kind: str
    date: date
    currency: str
    total: Decimal
    accounts: Mapping[str, Decimal] | None = None  # None when the books do not say
    status: str = "posted"  # "voided" / "deleted" are drift
    count: int = 1  # more than one live document under the key: a duplicate
    # What the document moved through clearing, when the books state it only as a whole
    # (Xero books the receivable side of an invoice itself: its payments into clearing).
    clearing: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    key: str
    outcome: Outcome
    kind: str
    currency: str
    hub_total: Decimal | None = None
    books_total: Decimal | None = None
    delta: Decimal | None = None  # books - hub
    fields: tuple[str, ...] = ()
    detail: str = ""
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class ClearingCheck:
    """Per settled payout: what its documents leave on the clearing account."""

    payout: str
    account: str
    currency: str
    hub_balance: Decimal
    books_balance: Decimal | None  # None when the books cannot say per account
    documents: int

    @property
    def ok(self) -> bool:
        return self.hub_balance == 0 and (self.books_balance in (None, Decimal(0)))


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026-11" (a month) or "2026-11-01..2026-11-15"."""
        if ".." in text:
            first, last = text.split("..", 1)
            return cls(date.fromisoformat(first), date.fromisoformat(last))
        year, month = (int(part) for part in text.split("-", 1))
        start = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(start, date.fromordinal(following.toordinal() - 1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass
class Report:
    connection: str
    period: Period
    findings: list[Finding] = field(default_factory=list)
    clearing: list[ClearingCheck] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        result = {outcome.value: 0 for outcome in Outcome}
        for finding in self.findings:
            result[finding.outcome.value] += 1
        return result

    def by_kind_currency(self) -> dict[tuple[str, str], dict[str, int]]:
        groups: dict[tuple[str, str], dict[str, int]] = {}
        for f in self.findings:
            group = groups.setdefault((f.kind, f.currency), {})
            group[f.outcome.value] = group.get(f.outcome.value, 0) + 1
        return groups

    def problems(self) -> Sequence[Finding]:
        return [f for f in self.findings if not f.outcome.ok]

    @property
    def reconciled(self) -> bool:
        return not self.problems() and all(c.ok for c in self.clearing)
