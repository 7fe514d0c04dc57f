"""Bank statements -> bank lines: OFX/QFX (through ofxparse), ISO 20022 camt.053 (any
version, read with the standard library's XML parser, which expands no external
entity) and a plain CSV.

CSV: a header row with `date` (YYYY-MM-DD), `amount` (signed decimal, a credit is
positive), `currency` and `reference` (the text the bank shows), optionally `id` (the
bank's own line id). Every bad row is named with its row number and field; nothing is
imported from a file with a bad row."""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
import xml.etree.ElementTree as ET
from datetime import date

from hub.domain.bank_matching import BankLine
from hub.domain.errors import DomainError, InvalidValue
from hub.domain.money import Money

__all__ = ["parse_camt053", "parse_csv", "parse_ofx"]

_COLUMNS = ("date", "amount", "currency", "reference")


def _fingerprint(account: str, *parts: str) -> str:
    return hashlib.sha256("|".join((account, *parts)).encode()).hexdigest()


def parse_csv(text: str, account: str) -> list[BankLine]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidValue(
            "columns", reader.fieldnames, f"missing {', '.join(missing)}", "bank statement CSV"
        )
    lines: list[BankLine] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(reader, start=2):
        where = f"bank statement CSV row {n}"
        try:
            booked = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise InvalidValue("date", row["date"], "not YYYY-MM-DD", where) from None
        try:
            amount = Money.of(row["amount"] or "", row["currency"] or "", "amount")
        except DomainError as exc:
            raise InvalidValue("amount", row["amount"], str(exc), where) from None
        reference = (row["reference"] or "").strip()
        own = (row.get("id") or "").strip()
        key = own or f"{booked}|{amount}|{reference}"
        # Two identical lines on one day are two lines: number the repeats.
        seen[key] = seen.get(key, 0) + 1
        lines.append(
            BankLine(account, booked, amount, reference, _fingerprint(account, key, str(seen[key])))
        )
    return lines


def parse_ofx(data: bytes) -> list[BankLine]:
    """Every transaction of every account in an OFX/QFX statement (amounts as Decimal)."""
    import ofxparse  # only when an OFX file is imported

    try:
        with warnings.catch_warnings():
            # ofxparse calls BeautifulSoup's findAll, deprecated (not removed) in bs4 4.x.
            warnings.simplefilter("ignore", DeprecationWarning)
            ofx = ofxparse.OfxParser.parse(io.BytesIO(data))
    except Exception as exc:  # ofxparse raises bare parser errors of several kinds
        raise InvalidValue(
            "file", None, f"not a readable OFX statement: {exc}", "bank statement OFX"
        ) from None
    lines: list[BankLine] = []
    for acct in ofx.accounts:
        account = str(acct.account_id)
        currency = str(acct.statement.currency or "").upper()
        for tx in acct.statement.transactions:
            where = f"bank statement OFX {account} FITID {tx.id}"
            amount = Money.of(tx.amount, currency, "TRNAMT")
            if amount.amount != tx.amount:
                raise InvalidValue("TRNAMT", str(tx.amount), f"more digits than {currency}", where)
            text = " ".join(p for p in (tx.payee, tx.memo) if p)
            lines.append(
                BankLine(account, tx.date.date(), amount, text, _fingerprint(account, str(tx.id)))
            )
    return lines


def _text(node: ET.Element | None, path: str) -> str:
    found = None if node is None else node.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_camt053(data: bytes) -> list[BankLine]:
    """Booked entries of every statement: `Amt` with its `Ccy`, signed by `CdtDbtInd`,
    `BookgDt`, the account's IBAN (or other id); the reference is the remittance text,
    the additional entry information and the bank's reference, joined. A line's identity
    is the bank's `AcctSvcrRef` (else its fields)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        where = "bank statement camt.053"
        raise InvalidValue("file", None, f"not camt.053 XML: {exc}", where) from None
    lines: list[BankLine] = []
    for stmt in root.iterfind(".//{*}BkToCstmrStmt/{*}Stmt"):
        account = _text(stmt, "{*}Acct/{*}Id/{*}IBAN") or _text(stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id")
        seen: dict[str, int] = {}
        for n, entry in enumerate(stmt.iterfind("{*}Ntry"), start=1):
            where = f"bank statement camt.053 {account} entry {n}"
            status = _text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts")
            if status and status != "BOOK":
                continue  # pending / informational entries are not on the account yet
            amt = entry.find("{*}Amt")
            if amt is None:
                raise InvalidValue("Amt", None, "missing", where)
            amount = Money.of((amt.text or "").strip(), amt.get("Ccy") or "", "Amt")
            sign = _text(entry, "{*}CdtDbtInd")
            if sign not in ("CRDT", "DBIT"):
                raise InvalidValue("CdtDbtInd", sign, "CRDT or DBIT", where)
            if sign == "DBIT":
                amount = -amount
            day = _text(entry, "{*}BookgDt/{*}Dt") or _text(entry, "{*}BookgDt/{*}DtTm")[:10]
            try:
                booked = date.fromisoformat(day)
            except ValueError:
                raise InvalidValue("BookgDt", day, "not a date", where) from None
            texts = [t.text.strip() for t in entry.iterfind(".//{*}RmtInf/{*}Ustrd") if t.text]
            texts += [_text(entry, "{*}AddtlNtryInf"), _text(entry, "{*}AcctSvcrRef")]
            reference = " ".join(t for t in texts if t)
            key = _text(entry, "{*}AcctSvcrRef") or f"{booked}|{amount}|{reference}"
            seen[key] = seen.get(key, 0) + 1
            lines.append(
                BankLine(
                    account, booked, amount, reference, _fingerprint(account, key, str(seen[key]))
                )
            )
    return lines
