"""Hub documents as Xero Accounting API objects, and Xero objects read back.

- sales receipt / invoice -> Invoice ACCREC (+ a Payment into the clearing account for a
  receipt, so Xero's receivable is settled where the hub's clearing says);
- credit note -> CreditNote ACCRECCREDIT; supplier bill -> Invoice ACCPAY;
- fee / payout -> ManualJournal (debits positive, credits negative).
The natural key goes into Reference (invoices, credit notes) or Narration (journals);
ACCREC invoices also carry the short reference as InvoiceNumber, which Xero keeps unique.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.base import OutgoingDocument, PostedDocument
from connectors.errors import DocumentRejected
from hub.domain.money import Money

__all__ = ["ENDPOINTS", "Endpoint", "counter_account", "read_back", "to_xero"]


@dataclass(frozen=True)
class Endpoint:
    collection: str  # path and body key: "Invoices"
    id_field: str
    type: str | None  # Invoice / CreditNote Type; None for journals
    key_field: str  # where the natural key lives


ENDPOINTS: Mapping[str, Endpoint] = {
    "sales_receipt": Endpoint("Invoices", "InvoiceID", "ACCREC", "Reference"),
    "sales_invoice": Endpoint("Invoices", "InvoiceID", "ACCREC", "Reference"),
    "credit_note": Endpoint("CreditNotes", "CreditNoteID", "ACCRECCREDIT", "Reference"),
    "supplier_bill": Endpoint("Invoices", "InvoiceID", "ACCPAY", "Reference"),
    "fee": Endpoint("ManualJournals", "ManualJournalID", None, "Narration"),
    "payout": Endpoint("ManualJournals", "ManualJournalID", None, "Narration"),
    # An invoice the order no longer owes: an ACCRECCREDIT credit note for all of it
    # (allocated to the invoice when it is still open), never an edit of the invoice.
    "reversal": Endpoint("CreditNotes", "CreditNoteID", "ACCRECCREDIT", "Reference"),
    "inventory_journal": Endpoint("ManualJournals", "ManualJournalID", None, "Narration"),
}
_KIND_OF_TYPE = {
    "ACCREC": "sales_receipt",
    "ACCRECCREDIT": "credit_note",
    "ACCPAY": "supplier_bill",
}


def counter_account(doc: OutgoingDocument) -> str:
    """The line Xero books itself (receivable / payable side): the builders put the
    clearing debit first on sales documents and the clearing / payable credit last."""
    lines = doc.payload["lines"]
    return str(lines[0]["account"] if doc.kind.startswith("sales_") else lines[-1]["account"])


def to_xero(doc: OutgoingDocument, base_currency: str) -> dict[str, Any]:
    endpoint = ENDPOINTS.get(doc.kind)
    if endpoint is None:
        raise DocumentRejected(f"{doc.natural_key}: Xero has no mapping for {doc.kind!r}")
    day = doc.date.date().isoformat()
    if endpoint.type is None:
        if doc.currency != base_currency:
            raise DocumentRejected(
                f"{doc.natural_key}: Xero manual journals are in the base currency "
                f"({base_currency}) only, not {doc.currency}"
            )
        return {
            "Narration": doc.natural_key,
            "Date": day,
            "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "JournalLines": [
                {
                    "LineAmount": Decimal(ln["amount"]),
                    "AccountCode": ln["account"],
                    "Description": ln.get("memo") or doc.kind,
                }
                for ln in doc.payload["lines"]
            ],
        }
    body: dict[str, Any] = {
        "Type": endpoint.type,
        "Contact": {"Name": doc.payload.get("party") or "Hub"},
        "Date": day,
        "Reference": doc.natural_key,
        "CurrencyCode": doc.currency,
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": _line_items(doc),
    }
    if endpoint.collection == "Invoices":
        body["DueDate"] = day
    if endpoint.type == "ACCREC":
        body["InvoiceNumber"] = doc.payload["reference"]
    rate = doc.payload.get("fx_rate")
    if rate and doc.currency != base_currency:
        # Xero's CurrencyRate is document units per one base unit: the hub's rate inverted.
        body["CurrencyRate"] = (Decimal(1) / Decimal(rate)).quantize(Decimal("0.000001"))
    return body


def _line_items(doc: OutgoingDocument) -> list[dict[str, Any]]:
    """Every line but the counter one; credits become positive amounts on sales
    invoices. Tax lines of one code are spread over the items as TaxAmount."""
    counter = counter_account(doc)
    sign = Decimal(-1) if doc.kind.startswith("sales_") else Decimal(1)
    lines = [ln for ln in doc.payload["lines"] if ln["account"] != counter]
    taxes = [ln for ln in lines if ln.get("tax_code")]
    items = [ln for ln in lines if not ln.get("tax_code")]
    codes = {ln["tax_code"] for ln in taxes}
    spread = len(codes) == 1 and bool(items)
    out = []
    amounts = [sign * Decimal(ln["amount"]) for ln in items]
    shares: list[Decimal] = [Decimal(0)] * len(items)
    if spread and any(amounts):
        tax_total = Money.of(
            sum((sign * Decimal(t["amount"]) for t in taxes), Decimal(0)), doc.currency
        )
        weights = [abs(a) for a in amounts]
        shares = [m.amount for m in tax_total.allocate(weights)] if sum(weights) else shares
    for ln, amount, share in zip(items, amounts, shares, strict=True):
        item = {
            "Description": ln.get("memo") or doc.kind,
            "Quantity": Decimal(1),
            "UnitAmount": amount,
            "LineAmount": amount,
            "AccountCode": ln["account"],
            "TaxType": next(iter(codes)) if spread else "NONE",
        }
        if spread:
            item["TaxAmount"] = share
        out.append(item)
    if not spread:
        for ln in taxes:
            amount = sign * Decimal(ln["amount"])
            out.append(
                {
                    "Description": ln.get("memo") or "tax",
                    "Quantity": Decimal(1),
                    "UnitAmount": amount,
                    "LineAmount": amount,
                    "AccountCode": ln["account"],
                    "TaxType": "NONE",
                }
            )
    return out


def _day(item: Mapping[str, Any]) -> date:
    text = str(item.get("DateString") or item.get("Date") or "")
    if text.startswith("/Date("):  # Microsoft JSON date: /Date(1573755038314+0000)/
        millis = int(text[6:].split("+")[0].split("-")[0].rstrip(")/"))
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    return date.fromisoformat(text[:10])


def read_back(
    endpoint: Endpoint, item: Mapping[str, Any], base_currency: str
) -> PostedDocument | None:
    """The normalised payload reconciliation compares; None for objects not made by the
    hub (no natural key)."""
    key = item.get(endpoint.key_field)
    if not key:
        return None
    if endpoint.type is None:
        journal: Sequence[Mapping[str, Any]] = item.get("JournalLines") or []
        accounts: dict[str, Decimal] = {}
        for ln in journal:
            code = str(ln.get("AccountCode"))
            accounts[code] = accounts.get(code, Decimal(0)) + Decimal(str(ln["LineAmount"]))
        total = sum((v for v in accounts.values() if v > 0), Decimal(0))
        currency, kind = base_currency, "journal"
        payload_accounts: dict[str, Decimal] | None = accounts
    else:
        total = Decimal(str(item.get("Total", "0")))
        currency = str(item.get("CurrencyCode") or base_currency)
        kind = _KIND_OF_TYPE.get(str(item.get("Type")), "invoice")
        payload_accounts = None  # Xero books the receivable/payable side itself
    clearing = _clearing_of(item) if endpoint.type in ("ACCREC", "ACCRECCREDIT") else None
    return PostedDocument(
        natural_key=str(key),
        external_id=str(item[endpoint.id_field]),
        payload={
            "kind": kind,
            "date": _day(item),
            "currency": currency,
            "total": total,
            "status": str(item.get("Status", "")).lower() or "posted",
            "accounts": payload_accounts,
            "amount_due": item.get("AmountDue"),
            "clearing": clearing,
        },
    )


def _clearing_of(item: Mapping[str, Any]) -> Decimal | None:
    """What the object moved through the clearing account, where the hub's documents put
    the receivable: an invoice's payments (the connector pays a receipt into clearing; an
    unpaid invoice leaves its total in Xero's receivables, so 0 here), a credit note's
    cash refunds (negative). None when Xero's answer does not say."""
    if item.get("Type") == "ACCRECCREDIT":
        payments = item.get("Payments")
        if payments is None:
            return None
        return -sum((Decimal(str(p.get("Amount", "0"))) for p in payments), Decimal(0))
    paid = item.get("AmountPaid")
    return None if paid is None else Decimal(str(paid))
