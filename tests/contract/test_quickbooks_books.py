"""The QuickBooks Online connector against mocked QuickBooks; every entity sent or
answered is checked against Intuit's XSDs: journal entries and bills with requestid and
a pinned minorversion, duplicates recovered, 5010's two meanings, 3001 in XML, paging."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.accounting.jsonbody import dumps, loads
from connectors.accounting.quickbooks import QuickBooksConfig, QuickBooksConnector
from connectors.errors import DocumentRejected, PeriodClosed, RateLimited, RetriableError
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet
from hub.domain.documents import Document, DocumentKind, EntryLine, short_reference
from hub.domain.money import Money
from hub.services.posting import outgoing
from tests.contract.quickbooks_xsd import check_entity

D = Decimal
BASE = "https://quickbooks.api.intuit.com/v3/company/9130"


def money(amount: str, currency: str = "USD") -> Money:
    return Money.of(amount, currency)


def receipt(currency: str = "USD", rate: Decimal | None = None) -> Document:
    return Document(
        1,
        1,
        DocumentKind.SALES_RECEIPT,
        "shop:order:1001",
        date(2026, 11, 3),
        currency,
        [
            EntryLine("35", money("110.00", currency), memo="order 1001"),
            EntryLine("79", money("-100.00", currency), memo="Tent"),
            EntryLine("88", money("-10.00", currency), tax_code="TAX", memo="VAT"),
        ],
        fx_rate=rate,
        fx_source="shopify" if rate else None,
    )


def bill() -> Document:
    return Document(
        1,
        1,
        DocumentKind.SUPPLIER_BILL,
        "purchase:PO-1:receipt:4",
        date(2026, 11, 4),
        "USD",
        [EntryLine("81", money("60.00"), memo="sku #1 x3"), EntryLine("33", money("-60.00"))],
        party="Acme Tents",
    )


@pytest.fixture
def waits() -> list[float]:
    return []


def connector(waits: list[float], **settings: Any) -> QuickBooksConnector:
    tokens = TokenSet(SecretStr("at"), SecretStr("rt"), datetime.now(UTC) + timedelta(hours=1))
    config = QuickBooksConfig(
        realm_id="9130", client_id="c", client_secret=SecretStr("qbo-client-secret-1"), **settings
    )
    context = ConnectorContext("t1:c2", token_store=InMemoryTokenStore(tokens), sleep=waits.append)
    return QuickBooksConnector(config, context)


@pytest.fixture
def qbo(waits: list[float]) -> QuickBooksConnector:
    return connector(waits)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def created(entity: str) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], str]]:
    """Check the request entity against the XSD; answer like QBO (also XSD-checked)."""

    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent = loads(request.body)
        check_entity(entity, sent)
        debits = [
            ln["Amount"]
            for ln in sent["Line"]
            if ln.get("JournalEntryLineDetail", {}).get("PostingType", "Debit") == "Debit"
        ]
        answer = {
            **sent,
            "Id": "148",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "TotalAmt": sum(debits, D(0)),
            "MetaData": {
                "CreateTime": "2026-11-03T10:00:00-08:00",
                "LastUpdatedTime": "2026-11-03T10:00:00-08:00",
            },
        }
        check_entity(entity, answer)
        body = {entity: answer, "time": "2026-11-03T10:00:00.000-08:00"}
        return 200, {"Content-Type": "application/json"}, json.dumps(body, default=str)

    return reply


def fault(code: str, message: str, detail: str = "") -> dict[str, Any]:
    error = {"Message": message, "Detail": detail, "code": code, "element": ""}
    return {
        "Fault": {"Error": [error], "type": "ValidationFault"},
        "time": "2026-11-03T10:00:00.000-08:00",
    }


def query_of(request: requests.PreparedRequest) -> str:
    return parse_qs(urlsplit(request.url or "").query)["query"][0]


def test_a_sales_receipt_is_a_journal_entry_with_requestid_docnumber_and_private_note(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add_callback("POST", f"{BASE}/journalentry", created("JournalEntry"))
    posted = qbo.post_document(outgoing(receipt()), "hub-abc-g1")
    assert (posted.external_id, posted.natural_key) == ("148", "shop:order:1001")
    assert posted.payload["accounts"] == {"35": D("110.00"), "79": D("-100.00"), "88": D("-10.00")}
    request = api.calls[0].request
    params = parse_qs(urlsplit(request.url or "").query)
    assert params == {"requestid": ["hub-abc-g1"], "minorversion": ["75"]}
    sent = loads(request.body)
    assert sent["DocNumber"] == short_reference("shop:order:1001") and len(sent["DocNumber"]) <= 21
    assert sent["PrivateNote"] == "shop:order:1001"
    lines = [(ln["JournalEntryLineDetail"]["PostingType"], ln["Amount"]) for ln in sent["Line"]]
    assert lines == [("Debit", D("110.00")), ("Credit", D("100.00")), ("Credit", D("10.00"))]
    assert sent["Line"][2]["Description"] == "VAT [TAX]"  # US: no tax codes on journals
    assert "TaxCodeRef" not in sent["Line"][2]["JournalEntryLineDetail"]


def test_tax_codes_go_on_journal_lines_where_the_company_allows_it(
    waits: list[float], api: responses.RequestsMock
) -> None:
    api.add_callback("POST", f"{BASE}/journalentry", created("JournalEntry"))
    connector(waits, journal_tax=True).post_document(outgoing(receipt()), "k")
    detail = loads(api.calls[0].request.body)["Line"][2]["JournalEntryLineDetail"]
    assert detail["TaxCodeRef"] == {"value": "TAX"} and detail["TaxApplicableOn"] == "Sales"


def test_a_foreign_currency_entry_carries_the_recorded_rate(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add_callback("POST", f"{BASE}/journalentry", created("JournalEntry"))
    qbo.post_document(outgoing(receipt("EUR", D("1.08695652"))), "k")
    sent = loads(api.calls[0].request.body)
    assert sent["CurrencyRef"] == {"value": "EUR"} and sent["ExchangeRate"] == D("1.08695652")


def test_a_supplier_bill_finds_its_vendor_and_posts_account_based_lines(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add(
        "GET",
        f"{BASE}/query",
        json={
            "QueryResponse": {
                "Vendor": [{"Id": "56", "DisplayName": "Acme Tents", "SyncToken": "0"}]
            },
            "time": "t",
        },
    )
    api.add_callback("POST", f"{BASE}/bill", created("Bill"))
    posted = qbo.post_document(outgoing(bill()), "k")
    assert query_of(api.calls[0].request) == "select * from Vendor where DisplayName = 'Acme Tents'"
    sent = loads(api.calls[1].request.body)
    assert sent["VendorRef"] == {"value": "56"} and sent["APAccountRef"] == {"value": "33"}
    assert posted.payload["accounts"] == {"81": D("60.00"), "33": D("-60.00")}


def test_an_unknown_vendor_is_a_refusal_naming_it(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add("GET", f"{BASE}/query", json={"QueryResponse": {}, "time": "t"})
    with pytest.raises(DocumentRejected, match="vendor 'Acme Tents' is not in QuickBooks"):
        qbo.post_document(outgoing(bill()), "k")


def test_a_duplicate_document_number_means_it_is_already_there_and_is_looked_up(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add(
        "POST",
        f"{BASE}/journalentry",
        status=400,
        json=fault("6210", "Duplicate Document Number Error", "DocNumber exists"),
    )
    existing = {
        "Id": "77",
        "DocNumber": short_reference("shop:order:1001"),
        "TxnDate": "2026-11-03",
        "PrivateNote": "shop:order:1001",
        "TotalAmt": D("110.00"),
        "Line": [],
    }
    check_entity("JournalEntry", existing)
    number = existing["DocNumber"]
    api.add(
        "GET",
        f"{BASE}/query",
        body=dumps({"QueryResponse": {"JournalEntry": [existing]}, "time": "t"}),
        match=[
            responses.matchers.query_param_matcher(
                {
                    "query": f"select * from JournalEntry where DocNumber = '{number}'",
                    "minorversion": "75",
                }
            )
        ],
    )
    assert qbo.post_document(outgoing(receipt()), "k").external_id == "77"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Stale Object Error", RetriableError),
        ("Account Period Closed, cannot update", PeriodClosed),
    ],
)
def test_5010_is_a_stale_object_or_a_closed_period_by_its_message(
    qbo: QuickBooksConnector, api: responses.RequestsMock, message: str, error: type[Exception]
) -> None:
    api.add("POST", f"{BASE}/journalentry", status=400, json=fault("5010", message))
    with pytest.raises(error, match="5010"):
        qbo.post_document(outgoing(receipt()), "k")


def test_a_validation_fault_is_a_refusal_with_intuits_message(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    api.add(
        "POST",
        f"{BASE}/journalentry",
        status=400,
        json=fault(
            "2020",
            "Required param missing, need to supply the required value",
            "Required parameter Line.AccountRef is missing",
        ),
    )
    with pytest.raises(DocumentRejected, match=r"2020.*Line\.AccountRef"):
        qbo.post_document(outgoing(receipt()), "k")


THROTTLED_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2026-11-03T10:00:00Z">'
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.</Detail></Error></Fault>"
    "</IntuitResponse>"
)


def test_3001_in_an_xml_body_is_a_rate_limit_waited_out_then_retried(
    qbo: QuickBooksConnector, api: responses.RequestsMock, waits: list[float]
) -> None:
    api.add(
        "POST",
        f"{BASE}/journalentry",
        status=400,
        body=THROTTLED_XML,
        content_type="application/xml",
    )
    api.add_callback("POST", f"{BASE}/journalentry", created("JournalEntry"))
    assert qbo.post_document(outgoing(receipt()), "k").external_id == "148"
    assert waits == [60.0]
    first, second = api.calls
    assert parse_qs(urlsplit(first.request.url or "").query)["requestid"] == ["k"]
    assert parse_qs(urlsplit(second.request.url or "").query)["requestid"] == ["k"]


def test_persistent_throttling_goes_back_to_the_job_layer(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    for _ in range(4):
        api.add("POST", f"{BASE}/journalentry", status=429, body=THROTTLED_XML)
    with pytest.raises(RateLimited):
        qbo.post_document(outgoing(receipt()), "k")


def test_reading_back_pages_with_startposition_and_skips_entities_not_made_by_the_hub(
    qbo: QuickBooksConnector, api: responses.RequestsMock
) -> None:
    def entry(n: int, ours: bool = True) -> dict[str, Any]:
        return {
            "Id": str(n),
            "DocNumber": f"H{n:016d}" if ours else "1001",
            "TxnDate": "2026-11-05",
            "PrivateNote": f"shop:order:{n}",
            "TotalAmt": D("10.00"),
            "CurrencyRef": {"value": "USD"},
            "Line": [
                {
                    "Amount": D("10.00"),
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": "35"},
                    },
                },
                {
                    "Amount": D("10.00"),
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": "79"},
                    },
                },
            ],
        }

    check_entity("JournalEntry", entry(1))
    first = [entry(n) for n in range(100)]
    second = [entry(100), entry(101, ours=False)]
    for rows in (first, second):
        body = json.dumps(
            {
                "QueryResponse": {
                    "JournalEntry": rows,
                    "startPosition": 1,
                    "maxResults": len(rows),
                },
                "time": "t",
            },
            default=str,
        )
        api.add("GET", f"{BASE}/query", body=body, content_type="application/json")
    pages = list(qbo.iter_documents("sales_receipt", datetime(2026, 11, 1, tzinfo=UTC)))
    assert [len(p) for p in pages] == [100, 1]
    assert pages[1][0].payload["accounts"] == {"35": D("10.00"), "79": D("-10.00")}
    statements = [query_of(call.request) for call in api.calls]
    assert statements == [
        "select * from JournalEntry where TxnDate >= '2026-11-01' STARTPOSITION 1 MAXRESULTS 100",
        "select * from JournalEntry where TxnDate >= '2026-11-01' STARTPOSITION 101 MAXRESULTS 100",
    ]
