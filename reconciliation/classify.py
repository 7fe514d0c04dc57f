"""How reconciliation decides, one document at a time (see docs/reconciliation.md).

Matching is by the deterministic key written into the books. A document voided in the
hub (it never reached the books) is compared only to find it there. Then, in order: held
in the hub; several live documents under one key (duplicate); voided or deleted in the
books (status drift); total off by more than the tolerance (amount mismatch, with the
delta) or by at most it (rounding, flagged); currency, date or accounts differ (field
mismatch); otherwise matched. One pass over two dicts: linear in documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from reconciliation.model import BookEntry, ClearingCheck, Finding, HubEntry, Outcome

__all__ = ["DEAD_STATUSES", "TOLERANCE", "classify", "clearing_checks"]

TOLERANCE = Decimal("0.01")  # per document, in document currency
DEAD_STATUSES = frozenset({"voided", "deleted", "void", "VOIDED", "DELETED"})
_ZERO = Decimal(0)


def classify(
    hub: Iterable[HubEntry], books: Iterable[BookEntry], tolerance: Decimal = TOLERANCE
) -> list[Finding]:
    by_key: dict[str, BookEntry] = {}
    for entry in books:
        seen = by_key.get(entry.key)
        if seen is None:
            by_key[entry.key] = entry
        elif seen.external_id == entry.external_id:
            continue  # one document read twice (two kinds share an endpoint)
        else:  # two documents in the books under one key
            by_key[entry.key] = BookEntry(
                entry.key,
                seen.external_id,
                seen.kind,
                seen.date,
                seen.currency,
                seen.total,
                seen.accounts,
                seen.status,
                seen.count + entry.count,
            )
    findings: list[Finding] = []
    hub_keys: set[str] = set()
    for h in hub:
        hub_keys.add(h.key)
        if h.status == "voided":  # never posted, no longer owed: the books must not have it
            if h.key in by_key:
                b = by_key[h.key]
                findings.append(
                    Finding(
                        h.key,
                        Outcome.EXTRA_IN_BOOKS,
                        h.kind,
                        h.currency,
                        None,
                        b.total,
                        detail="voided in the hub, yet in the books",
                        external_id=b.external_id,
                    )
                )
            continue
        findings.append(_one(h, by_key.get(h.key), tolerance))
    for key, b in by_key.items():
        if key not in hub_keys:
            findings.append(
                Finding(
                    key,
                    Outcome.EXTRA_IN_BOOKS,
                    b.kind,
                    b.currency,
                    None,
                    b.total,
                    detail="in the books under a hub key the hub does not have",
                    external_id=b.external_id,
                )
            )
    return findings


def _one(h: HubEntry, b: BookEntry | None, tolerance: Decimal) -> Finding:
    if h.status == "held":
        return Finding(
            h.key, Outcome.HELD, h.kind, h.currency, h.total, None, detail=h.hold_reason or "held"
        )
    if b is None:
        detail = "not posted yet" if h.status in ("pending", "posting") else "not in the books"
        return Finding(h.key, Outcome.MISSING_IN_BOOKS, h.kind, h.currency, h.total, detail=detail)
    delta = b.total - h.total

    def found(outcome: Outcome, detail: str = "", fields: tuple[str, ...] = ()) -> Finding:
        return Finding(
            h.key,
            outcome,
            h.kind,
            h.currency,
            h.total,
            b.total,
            delta,
            fields,
            detail,
            b.external_id,
        )

    if b.count > 1:
        return found(Outcome.DUPLICATE, f"{b.count} documents in the books under this key")
    if b.status in DEAD_STATUSES:
        return found(Outcome.STATUS_DRIFT, f"{b.status} in the books")
    fields = _field_differences(h, b, tolerance)
    if abs(delta) > tolerance:
        return found(Outcome.AMOUNT_MISMATCH, f"books {b.total} vs hub {h.total}", fields)
    if fields:
        return found(Outcome.FIELD_MISMATCH, "differs: " + ", ".join(fields), fields)
    if delta:
        return found(Outcome.ROUNDING, f"off by {delta} (within {tolerance})")
    return found(Outcome.MATCHED)


def _field_differences(h: HubEntry, b: BookEntry, tolerance: Decimal) -> tuple[str, ...]:
    fields = []
    if b.currency != h.currency:
        fields.append("currency")
    if b.date != h.date:
        fields.append("date")
    if b.accounts is not None and _accounts_differ(h.accounts, b.accounts, tolerance):
        fields.append("account")
    return tuple(fields)


def _accounts_differ(
    hub: Mapping[str, Decimal], books: Mapping[str, Decimal], tolerance: Decimal
) -> bool:
    if hub == books:  # the usual case; Decimal("1.0") == Decimal("1.00")
        return False
    names = {a for a, v in hub.items() if v} | {a for a, v in books.items() if v}
    return any(abs(books.get(a, _ZERO) - hub.get(a, _ZERO)) > tolerance for a in names)


def clearing_checks(
    hub: Iterable[HubEntry], books: Iterable[BookEntry], clearing_accounts: set[str]
) -> list[ClearingCheck]:
    """Per payout, the clearing balance its documents leave, in the hub and in the books
    (a settled payout must leave zero on both sides)."""
    book_accounts = {b.key: b.accounts for b in books}
    book_clearing = {b.key: b.clearing for b in books}
    groups: dict[tuple[str, str, str], list[HubEntry]] = {}
    for h in hub:
        if h.payout is None:
            continue
        for account in h.accounts:
            if account in clearing_accounts:
                groups.setdefault((h.payout, account, h.currency), []).append(h)
    checks = []
    for (payout, account, currency), entries in sorted(groups.items()):
        hub_balance = sum((e.accounts.get(account, _ZERO) for e in entries), _ZERO)
        books_balance: Decimal | None = _ZERO
        for e in entries:
            accounts = book_accounts.get(e.key)
            if accounts is None and book_clearing.get(e.key) is not None:
                # Stated as a whole (a Xero invoice's payments into clearing): an unpaid
                # receivable is 0 there, a figure rather than unknown.
                accounts = {account: book_clearing[e.key] or _ZERO}
            if accounts is None:
                books_balance = None if e.key in book_accounts else books_balance
                continue
            if books_balance is not None:
                books_balance += accounts.get(account, _ZERO)
        checks.append(
            ClearingCheck(payout, account, currency, hub_balance, books_balance, len(entries))
        )
    return checks
