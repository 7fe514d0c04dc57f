"""Hub documents as QuickBooks Online v3 entities, and entities read back.

Every document but the supplier bill becomes a JournalEntry (account-based, as A2X
posts to QuickBooks: sales forms would book through QuickBooks items and their income
accounts, not the hub's account mapping); a supplier bill becomes a Bill with
account-based expense lines. DocNumber carries the 17-character short reference (the
field holds 21), PrivateNote the full natural key; both are written on every post.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.base import OutgoingDocument, PostedDocument

__all__ = ["ENTITY", "read_back", "to_bill", "to_journal_entry"]

ENTITY: Mapping[str, str] = {
    "sales_receipt": "JournalEntry",
    "sales_invoice": "JournalEntry",
    "credit_note": "JournalEntry",
    "fee": "JournalEntry",
    "payout": "JournalEntry",
    # A reversal undoes a posted journal with a reversing JournalEntry: QuickBooks voids
    # only sales forms and payments, and deleting would erase the history.
    "reversal": "JournalEntry",
    "supplier_bill": "Bill",
    "inventory_journal": "JournalEntry",
}


def _head(doc: OutgoingDocument, home_currency: str) -> dict[str, Any]:
    head: dict[str, Any] = {
        "DocNumber": doc.payload["reference"],
        "TxnDate": doc.date.date().isoformat(),
        "PrivateNote": doc.natural_key,
        "CurrencyRef": {"value": doc.currency},
    }
    rate = doc.payload.get("fx_rate")
    if rate and doc.currency != home_currency:
        head["ExchangeRate"] = Decimal(rate)  # home units per one foreign unit, as the hub
    return head


def to_journal_entry(doc: OutgoingDocument, home_currency: str, with_tax: bool) -> dict[str, Any]:
    """Debits and credits as they are; tax codes on lines only where the company's
    tax setup allows it on journals (`with_tax`; US companies do not)."""
    lines = []
    for ln in doc.payload["lines"]:
        amount = Decimal(ln["amount"])
        detail: dict[str, Any] = {
            "PostingType": "Debit" if amount > 0 else "Credit",
            "AccountRef": {"value": ln["account"]},
        }
        memo = ln.get("memo") or doc.kind
        if ln.get("tax_code"):
            if with_tax:
                detail["TaxCodeRef"] = {"value": ln["tax_code"]}
                detail["TaxApplicableOn"] = "Sales"
            else:
                memo = f"{memo} [{ln['tax_code']}]"
        lines.append(
            {
                "Description": memo,
                "Amount": abs(amount),
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": detail,
            }
        )
    return {**_head(doc, home_currency), "Line": lines}


def to_bill(doc: OutgoingDocument, vendor_id: str, home_currency: str) -> dict[str, Any]:
    """Debit lines become expense lines; the credit (payable) line is the AP account."""
    debits = [ln for ln in doc.payload["lines"] if Decimal(ln["amount"]) > 0]
    (payable,) = [ln for ln in doc.payload["lines"] if Decimal(ln["amount"]) < 0]
    return {
        **_head(doc, home_currency),
        "VendorRef": {"value": vendor_id},
        "APAccountRef": {"value": payable["account"]},
        "Line": [
            {
                "Description": ln.get("memo") or "bill",
                "Amount": Decimal(ln["amount"]),
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": ln["account"]}},
            }
            for ln in debits
        ],
    }


def read_back(entity: str, item: Mapping[str, Any], home_currency: str) -> PostedDocument | None:
    """None for entities the hub did not write (no short reference + natural key)."""
    key = item.get("PrivateNote")
    if not key or not str(item.get("DocNumber", "")).startswith("H"):
        return None
    accounts: dict[str, Decimal] = {}
    for line in item.get("Line") or []:
        amount = Decimal(str(line.get("Amount", "0")))
        if line.get("DetailType") == "JournalEntryLineDetail":
            detail = line["JournalEntryLineDetail"]
            signed = amount if detail["PostingType"] == "Debit" else -amount
        elif line.get("DetailType") == "AccountBasedExpenseLineDetail":
            detail, signed = line["AccountBasedExpenseLineDetail"], amount
        else:
            continue
        code = str(detail["AccountRef"]["value"])
        accounts[code] = accounts.get(code, Decimal(0)) + signed
    total = Decimal(str(item.get("TotalAmt", "0")))
    if entity == "Bill" and item.get("APAccountRef"):
        code = str(item["APAccountRef"]["value"])
        accounts[code] = accounts.get(code, Decimal(0)) - total
    return PostedDocument(
        natural_key=str(key),
        external_id=str(item["Id"]),
        payload={
            "kind": "supplier_bill" if entity == "Bill" else "journal",
            "date": date.fromisoformat(str(item["TxnDate"])[:10]),
            "currency": str((item.get("CurrencyRef") or {}).get("value") or home_currency),
            "total": total,
            "status": "voided" if item.get("status") == "Deleted" else "posted",
            "accounts": accounts,
            "sync_token": item.get("SyncToken"),
        },
    )
