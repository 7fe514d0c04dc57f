"""A small stateful Xero behind `responses`: keeps what was PUT, honours Idempotency-Key
the way Xero does (a repeat returns the first answer), answers `where` lookups and
paged lists, and checks every request against the official OpenAPI document."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from connectors.accounting.jsonbody import dumps, loads
from tests.contract.xero_spec import SERVER, check_request, validate_schema

_ID = {
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "ManualJournals": "ManualJournalID",
    "Payments": "PaymentID",
}
_WHERE = re.compile(r'^(\w+)=="(.*)"$')


@dataclass
class FakeXero:
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replies: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> body
    lose_answers: int = 0  # the next N PUTs are stored, then the connection drops
    allocations: list[dict[str, Any]] = field(default_factory=list)  # credit -> invoice
    # GET /Accounts and /TaxRates, shaped as the OpenAPI document's Accounts / TaxRates.
    chart: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "Accounts": [
                {"AccountID": str(uuid.UUID(int=n + 1)), "Code": code, "Name": name}
                for n, (code, name) in enumerate(
                    [("200", "Sales"), ("090", "Bank"), ("820", "VAT"), ("1210", "Clearing")]
                )
            ],
            "TaxRates": [{"Name": "20% VAT on Income", "TaxType": "OUTPUT2"}],
        }
    )

    def install(self, mock: responses.RequestsMock) -> None:
        for collection in _ID:
            url = re.compile(re.escape(f"{SERVER}/{collection}") + r"(\?.*)?$")
            mock.add_callback("PUT", url, self._put(collection))
            mock.add_callback("GET", url, self._get(collection))
        for collection in ("Accounts", "TaxRates"):
            mock.add_callback("GET", f"{SERVER}/{collection}", self._chart(collection))
        allocations = re.escape(f"{SERVER}/CreditNotes/") + r"([^/?]+)/Allocations(\?.*)?$"
        mock.add_callback("PUT", re.compile(allocations), self._allocate)

    def _chart(self, collection: str) -> Any:
        def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            check_request("GET", request.url or "", request.headers, None)
            body = {collection: self.chart[collection]}
            validate_schema(collection, body)
            return 200, {"Content-Type": "application/json"}, dumps(body)

        return reply

    def _put(self, collection: str) -> Any:
        def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            body = loads(request.body)
            check_request("PUT", request.url or "", request.headers, body)
            key = request.headers["Idempotency-Key"]
            if key not in self.replies:
                item = dict(body[collection][0])
                item[_ID[collection]] = str(uuid.uuid4())
                item["StatusAttributeString"] = "OK"
                if "LineItems" in item:
                    item["Total"] = sum(
                        (
                            Decimal(str(li["LineAmount"])) + Decimal(str(li.get("TaxAmount", 0)))
                            for li in item["LineItems"]
                        ),
                        Decimal(0),
                    )
                if collection == "Invoices":
                    item["AmountDue"], item["AmountPaid"] = item["Total"], Decimal(0)
                if collection == "CreditNotes":
                    item["Payments"] = []  # no cash refund made: the credit stays in AR
                if collection == "Payments":
                    self._mark_paid(item)
                self.objects.setdefault(collection, []).append(item)
                self.replies[key] = dumps({collection: [item]})
            if self.lose_answers:
                self.lose_answers -= 1
                raise requests.ConnectionError("connection reset by peer")
            return 200, {"Content-Type": "application/json"}, self.replies[key]

        return reply

    def _mark_paid(self, payment: dict[str, Any]) -> None:
        if "CreditNote" in payment:  # a cash refund of a credit note
            for credit in self.objects.get("CreditNotes", []):
                if credit["CreditNoteID"] == payment["CreditNote"]["CreditNoteID"]:
                    credit["Payments"] = [*credit.get("Payments", []), payment]
                    credit["Status"] = "PAID"
            return
        for invoice in self.objects.get("Invoices", []):
            if invoice["InvoiceID"] == payment["Invoice"]["InvoiceID"]:
                paid = Decimal(str(payment["Amount"]))
                invoice["AmountPaid"] = Decimal(str(invoice.get("AmountPaid", 0))) + paid
                invoice["Status"], invoice["AmountDue"] = "PAID", Decimal(0)

    def _allocate(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        """PUT /CreditNotes/{CreditNoteID}/Allocations: the credit settles the invoice
        (Xero refuses more than the invoice's AmountDue)."""
        body = loads(request.body)
        check_request("PUT", request.url or "", request.headers, body)
        (allocation,) = body["Allocations"]
        credit_id = urlsplit(request.url or "").path.split("/")[-2]
        assert any(c["CreditNoteID"] == credit_id for c in self.objects.get("CreditNotes", []))
        (invoice,) = [
            i
            for i in self.objects.get("Invoices", [])
            if i["InvoiceID"] == allocation["Invoice"]["InvoiceID"]
        ]
        amount = Decimal(str(allocation["Amount"]))
        assert amount <= Decimal(str(invoice["AmountDue"])), "more than the invoice owes"
        invoice["AmountDue"] = Decimal(str(invoice["AmountDue"])) - amount
        if invoice["AmountDue"] == 0:
            invoice["Status"] = "PAID"
        self.allocations.append({"CreditNoteID": credit_id, **allocation})
        reply = {"Allocations": [allocation]}
        validate_schema("Allocations", reply)
        return 200, {"Content-Type": "application/json"}, dumps(reply)

    def _get(self, collection: str) -> Any:
        def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            check_request("GET", request.url or "", request.headers, None)
            query = parse_qs(urlsplit(request.url or "").query)
            items = self.objects.get(collection, [])
            where = query.get("where", [""])[0]
            exact = _WHERE.match(where)
            if exact:
                items = [i for i in items if str(i.get(exact.group(1))) == exact.group(2)]
            elif "Type==" in where:
                wanted = where.rsplit('Type=="', 1)[1].rstrip('"')
                items = [i for i in items if i.get("Type") == wanted]
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * 100 : page * 100]
            return 200, {"Content-Type": "application/json"}, dumps({collection: chunk})

        return reply

    def keys(self, collection: str) -> list[str]:
        field_name = "Narration" if collection == "ManualJournals" else "Reference"
        return [str(i.get(field_name)) for i in self.objects.get(collection, [])]

    def drop(self, collection: str, key: str) -> None:
        """What a bookkeeper does in Xero: the object is gone."""
        field_name = "Narration" if collection == "ManualJournals" else "Reference"
        self.objects[collection] = [i for i in self.objects[collection] if i.get(field_name) != key]

    def set_status(self, collection: str, key: str, status: str) -> None:
        for item in self.objects[collection]:
            if item.get("Reference") == key:
                item["Status"] = status
