"""A small stateful QuickBooks Online behind `responses`: keeps created entities,
answers a repeated requestid with the first answer, serves the query endpoint (by
DocNumber, by TxnDate with STARTPOSITION/MAXRESULTS, vendors by DisplayName), can lose
the answers of the next calls after storing, and checks every entity against the XSDs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from connectors.accounting.jsonbody import dumps, loads
from tests.contract.quickbooks_xsd import check_entity

BASE = "https://quickbooks.api.intuit.com/v3/company/9130"
_BY_NUMBER = re.compile(r"select \* from (\w+) where DocNumber = '(.*)'$")
_BY_DATE = re.compile(
    r"select \* from (\w+) where TxnDate >= '(.*)' STARTPOSITION (\d+) MAXRESULTS (\d+)$"
)
_CHART = re.compile(r"select \* from (Account|TaxCode) MAXRESULTS 1000$")
_VENDOR = re.compile(r"select \* from Vendor where DisplayName = '(.*)'$")


@dataclass
class FakeQuickBooks:
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replies: dict[str, str] = field(default_factory=dict)  # requestid -> body
    vendors: dict[str, str] = field(default_factory=lambda: {"Acme Tents": "56"})
    lose_answers: int = 0  # the next N creates are stored, then the connection drops
    # The chart and the tax codes as the query endpoint answers them (Intuit's examples).
    chart: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "Account": [
                {"Id": "1", "Name": "Sales", "AccountType": "Income", "SyncToken": "0"},
                {"Id": "35", "Name": "Checking", "AccountType": "Bank", "SyncToken": "0"},
                {"Id": "36", "Name": "Savings", "AccountType": "Bank", "SyncToken": "0"},
            ],
            "TaxCode": [{"Id": "TAX", "Name": "TAX", "Taxable": True, "SyncToken": "0"}],
        }
    )

    def install(self, mock: responses.RequestsMock) -> None:
        for entity in ("JournalEntry", "Bill"):
            url = re.compile(re.escape(f"{BASE}/{entity.lower()}") + r"\?.*$")
            mock.add_callback("POST", url, self._create(entity))
        mock.add_callback("GET", re.compile(re.escape(f"{BASE}/query") + r"\?.*$"), self._query)

    def _create(self, entity: str) -> Any:
        def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            params = parse_qs(urlsplit(request.url or "").query)
            assert params["minorversion"] == ["75"]
            requestid = params["requestid"][0]
            if requestid not in self.replies:
                sent = loads(request.body)
                check_entity(entity, sent)
                stored = self._store(entity, sent)
                self.replies[requestid] = dumps({entity: stored, "time": "2026-11-03T10:00:00Z"})
            if self.lose_answers:
                self.lose_answers -= 1
                raise requests.ConnectionError("connection reset by peer")
            return 200, {"Content-Type": "application/json"}, self.replies[requestid]

        return reply

    def _store(self, entity: str, sent: dict[str, Any]) -> dict[str, Any]:
        rows = self.entities.setdefault(entity, [])
        if entity == "Bill":
            total = sum((Decimal(str(ln["Amount"])) for ln in sent["Line"]), Decimal(0))
        else:
            total = sum(
                (
                    Decimal(str(ln["Amount"]))
                    for ln in sent["Line"]
                    if ln["JournalEntryLineDetail"]["PostingType"] == "Debit"
                ),
                Decimal(0),
            )
        stored = {
            **sent,
            "Id": str(100 + sum(len(r) for r in self.entities.values())),
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "TotalAmt": total,
        }
        check_entity(entity, stored)
        rows.append(stored)
        return stored

    def _query(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        statement = parse_qs(urlsplit(request.url or "").query)["query"][0]
        if chart := _CHART.match(statement):
            rows = self.chart[chart.group(1)]
            for row in rows:
                check_entity(chart.group(1), row)
            return self._answer(chart.group(1), rows)
        if vendor := _VENDOR.match(statement):
            found = [{"Id": self.vendors[vendor.group(1)], "DisplayName": vendor.group(1)}]
            return self._answer("Vendor", found if vendor.group(1) in self.vendors else [])
        if by_number := _BY_NUMBER.match(statement):
            entity, number = by_number.groups()
            rows = [r for r in self.entities.get(entity, []) if r["DocNumber"] == number]
            return self._answer(entity, rows)
        by_date = _BY_DATE.match(statement)
        assert by_date, f"unexpected query {statement!r}"
        entity, since, start, size = by_date.groups()
        rows = [r for r in self.entities.get(entity, []) if r["TxnDate"] >= since]
        return self._answer(entity, rows[int(start) - 1 : int(start) - 1 + int(size)])

    @staticmethod
    def _answer(entity: str, rows: list[dict[str, Any]]) -> tuple[int, dict[str, str], str]:
        body = {"QueryResponse": {entity: rows, "startPosition": 1, "maxResults": len(rows)}}
        return 200, {"Content-Type": "application/json"}, dumps({**body, "time": "t"})

    def notes(self, entity: str) -> list[str]:
        return [str(r["PrivateNote"]) for r in self.entities.get(entity, [])]
