"""Which bank statement line a payout landed as: same currency and amount, booked from
the payout's date to a few days after (banks book transfers late), a line whose text
names the payout's reference first, then the nearest date. Each line pays one payout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.domain.money import Money
from hub.domain.settlements import Settlement

__all__ = ["WINDOW", "BankLine", "match_payouts"]

WINDOW = timedelta(days=5)


@dataclass(frozen=True)
class BankLine:
    account: str
    booked_on: date
    amount: Money
    reference: str
    fingerprint: str  # the line's identity in its statement (FITID, or its fields)
    id: int | None = None


def _rank(payout: Settlement, line: BankLine) -> tuple[int, int]:
    ref = payout.bank_reference.lower()
    named = bool(ref) and ref in line.reference.lower()
    return (0 if named else 1, abs((line.booked_on - payout.paid_on).days))


def match_payouts(
    payouts: Sequence[Settlement], lines: Sequence[BankLine], window: timedelta = WINDOW
) -> list[tuple[Settlement, BankLine]]:
    free = list(lines)
    matched: list[tuple[Settlement, BankLine]] = []
    for payout in sorted(payouts, key=lambda p: (p.paid_on, p.external_id)):
        low, high = payout.paid_on - timedelta(days=1), payout.paid_on + window
        fits = [b for b in free if b.amount == payout.net and low <= b.booked_on <= high]
        if not fits:
            continue
        best = min(fits, key=lambda line, p=payout: _rank(p, line))  # type: ignore[misc]
        free.remove(best)
        matched.append((payout, best))
    return matched
