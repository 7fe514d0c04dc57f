"""The Xero connector against mocked Xero, every request checked against the official
OpenAPI document: invoice + payment with idempotency keys, element errors, lock dates,
minute vs day limits, lookup by natural key, paging back, token rotation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.accounting.jsonbody import loads
from connectors.accounting.xero import XeroConfig, XeroConnector
from connectors.errors import DocumentRejected, PeriodClosed, RateLimited
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet
from hub.domain.documents import Document, DocumentKind, EntryLine
from hub.domain.money import Money
from hub.services.posting import outgoing
from tests.contract.xero_spec import SERVER, check_request, response_schema, validate_schema

D = Decimal


def money(amount: str) -> Money:
    return Money.of(amount, "USD")


def receipt(key: str = "shop:order:1001") -> Document:
    return Document(
        1,
        1,
        DocumentKind.SALES_RECEIPT,
        key,
        date(2026, 11, 3),
        "USD",
        [
            EntryLine("1210", money("110.00"), memo="order 1001"),
            EntryLine("200", money("-60.00"), memo="Tent"),
            EntryLine("200", money("-40.00"), memo="Stove"),
            EntryLine("820", money("-10.00"), tax_code="OUTPUT", memo="VAT"),
        ],
        party="Ann",
    )


def payout() -> Document:
    return Document(
        1,
        1,
        DocumentKind.PAYOUT,
        "shop:payout:P1",
        date(2026, 11, 8),
        "USD",
        [EntryLine("090", money("106.51")), EntryLine("1210", money("-106.51"))],
    )


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def store() -> InMemoryTokenStore:
    far = datetime.now(UTC) + timedelta(hours=1)
    return InMemoryTokenStore(TokenSet(SecretStr("access-1"), SecretStr("refresh-1"), far))


@pytest.fixture
def xero(store: InMemoryTokenStore, waits: list[float]) -> XeroConnector:
    config = XeroConfig(
        xero_tenant_id="tenant-1", client_id="client", client_secret=SecretStr("s3cret")
    )
    return XeroConnector(config, ConnectorContext("t1:c1", token_store=store, sleep=waits.append))


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def xero_answer(
    collection: str, make: Callable[[dict[str, Any]], dict[str, Any]], status: int = 200
) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], str]]:
    """Validate the request against the spec, answer like Xero (also spec-checked)."""

    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = loads(request.body) if request.body else None
        check_request(request.method or "", request.url or "", request.headers, body)
        item = make(body[collection][0] if body else {})
        answer = {"Id": "c3b1", "Status": "OK", "ProviderName": "hub", collection: [item]}
        if status == 200:
            validate_schema(response_schema(request.method or "", f"/{collection}"), answer)
        return status, {"Content-Type": "application/json"}, json.dumps(answer, default=str)

    return reply


def created(sent: dict[str, Any], **extra: Any) -> dict[str, Any]:
    total = sum(
        D(str(li["LineAmount"])) + D(str(li.get("TaxAmount", 0))) for li in sent["LineItems"]
    )
    return {
        **sent,
        "InvoiceID": "inv-1",
        "Total": float(total),
        "AmountDue": float(total),
        "HasErrors": False,
        "StatusAttributeString": "OK",
        **extra,
    }


def test_a_sales_receipt_is_an_authorised_accrec_invoice_paid_into_clearing(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    api.add_callback("PUT", f"{SERVER}/Invoices", xero_answer("Invoices", created))
    api.add_callback(
        "PUT",
        f"{SERVER}/Payments",
        xero_answer(
            "Payments", lambda sent: {**sent, "PaymentID": "pay-1", "StatusAttributeString": "OK"}
        ),
    )
    posted = xero.post_document(outgoing(receipt()), "hub-abc-g1")
    assert posted.external_id == "inv-1" and posted.natural_key == "shop:order:1001"
    invoice_call, payment_call = api.calls
    assert invoice_call.request.headers["Idempotency-Key"] == "hub-abc-g1"
    assert invoice_call.request.headers["xero-tenant-id"] == "tenant-1"
    assert invoice_call.request.headers["Authorization"] == "Bearer access-1"
    assert "summarizeErrors=false" in (invoice_call.request.url or "")
    (sent,) = loads(invoice_call.request.body)["Invoices"]
    assert (sent["Type"], sent["Status"], sent["Reference"]) == (
        "ACCREC",
        "AUTHORISED",
        "shop:order:1001",
    )
    assert sent["InvoiceNumber"].startswith("H") and len(sent["InvoiceNumber"]) == 17
    items = [
        (li["AccountCode"], li["LineAmount"], li["TaxType"], li["TaxAmount"])
        for li in sent["LineItems"]
    ]
    assert items == [
        ("200", D("60.00"), "OUTPUT", D("6.00")),
        ("200", D("40.00"), "OUTPUT", D("4.00")),
    ]
    assert b'"LineAmount": 60.00' in invoice_call.request.body  # exact digits, never a float
    payment = loads(payment_call.request.body)["Payments"][0]
    assert payment["Account"] == {"Code": "1210"} and payment["Amount"] == D("110.00")
    assert payment_call.request.headers["Idempotency-Key"] == "hub-abc-g1:payment"


def test_a_payout_is_a_posted_manual_journal_with_signed_lines(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    api.add_callback(
        "PUT",
        f"{SERVER}/ManualJournals",
        xero_answer("ManualJournals", lambda sent: {**sent, "ManualJournalID": "mj-1"}),
    )
    posted = xero.post_document(outgoing(payout()), "hub-p-g1")
    (sent,) = loads(api.calls[0].request.body)["ManualJournals"]
    assert sent["Narration"] == "shop:payout:P1" and sent["Status"] == "POSTED"
    assert [(j["AccountCode"], j["LineAmount"]) for j in sent["JournalLines"]] == [
        ("090", D("106.51")),
        ("1210", D("-106.51")),
    ]
    assert posted.payload["accounts"] == {"090": D("106.51"), "1210": D("-106.51")}


def test_an_element_with_validation_errors_is_rejected_naming_xeros_message(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    refusal = {
        "HasErrors": True,
        "StatusAttributeString": "ERROR",
        "ValidationErrors": [{"Message": "Account code '200' is not a valid code."}],
    }
    api.add_callback(
        "PUT", f"{SERVER}/Invoices", xero_answer("Invoices", lambda s: {**s, **refusal})
    )
    with pytest.raises(DocumentRejected, match="Account code '200' is not a valid code"):
        xero.post_document(outgoing(receipt()), "k")


def test_a_date_before_the_lock_date_is_a_closed_period(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    error = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {
                "ValidationErrors": [
                    {"Message": "The document date cannot be before the period lock date 31 Oct"}
                ]
            }
        ],
    }
    validate_schema("Error", error)
    api.add("PUT", f"{SERVER}/Invoices", json=error, status=400)
    with pytest.raises(PeriodClosed, match="period lock date"):
        xero.post_document(outgoing(receipt()), "k")


def test_a_minute_limit_is_waited_out_and_a_day_limit_goes_back_to_the_job_at_once(
    xero: XeroConnector, api: responses.RequestsMock, waits: list[float]
) -> None:
    limited = {"Retry-After": "7", "X-Rate-Limit-Problem": "minute"}
    api.add("PUT", f"{SERVER}/ManualJournals", status=429, headers=limited)
    api.add_callback(
        "PUT",
        f"{SERVER}/ManualJournals",
        xero_answer("ManualJournals", lambda sent: {**sent, "ManualJournalID": "mj-1"}),
    )
    xero.post_document(outgoing(payout()), "k")
    assert 7.0 in waits
    api.add(
        "PUT",
        f"{SERVER}/ManualJournals",
        status=429,
        headers={"Retry-After": "43200", "X-Rate-Limit-Problem": "day"},
    )
    with pytest.raises(RateLimited) as raised:
        xero.post_document(outgoing(payout()), "k2")
    assert raised.value.retry_after == 43200.0 and "daily" in str(raised.value)
    assert len(api.calls) == 3  # no in-request retry of the day limit


def test_the_natural_key_is_looked_up_with_a_where_filter(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    found = {
        "Invoices": [
            {
                "InvoiceID": "inv-9",
                "Type": "ACCREC",
                "Reference": "shop:order:1001",
                "Status": "PAID",
                "Total": 110.0,
                "CurrencyCode": "USD",
                "DateString": "2026-11-03T00:00:00",
            }
        ]
    }
    validate_schema("Invoices", found)
    api.add(
        "GET",
        f"{SERVER}/Invoices",
        json=found,
        match=[responses.matchers.query_param_matcher({"where": 'Reference=="shop:order:1001"'})],
    )
    posted = xero.find_document("sales_receipt", "shop:order:1001")
    assert posted is not None and posted.external_id == "inv-9"
    assert posted.payload["status"] == "paid" and posted.payload["total"] == D("110.0")
    check_request("GET", api.calls[0].request.url or "", api.calls[0].request.headers, None)


def test_reading_back_pages_until_a_short_page_with_if_modified_since(
    xero: XeroConnector, api: responses.RequestsMock
) -> None:
    def bill(n: int) -> dict[str, Any]:
        return {
            "InvoiceID": f"b{n}",
            "Type": "ACCPAY",
            "Reference": f"purchase:PO-{n}:receipt:{n}",
            "Status": "AUTHORISED",
            "Total": 60.0,
            "CurrencyCode": "USD",
            "Date": "/Date(1793836800000+0000)/",
        }

    first = {"Invoices": [bill(n) for n in range(100)]}
    second = {"Invoices": [bill(100), {**bill(101), "Reference": ""}]}  # not made by the hub
    api.add("GET", f"{SERVER}/Invoices", json=first)
    api.add("GET", f"{SERVER}/Invoices", json=second)
    pages = list(xero.iter_documents("supplier_bill", datetime(2026, 11, 1, tzinfo=UTC)))
    assert [len(p) for p in pages] == [100, 1]
    assert pages[0][0].payload["date"] == date(2026, 11, 5)
    for call in api.calls:
        check_request("GET", call.request.url or "", call.request.headers, None)
        assert call.request.headers["If-Modified-Since"] == "2026-11-01T00:00:00"
    assert "page=2" in (api.calls[1].request.url or "")


def test_an_expired_token_is_refreshed_once_and_the_rotated_refresh_token_kept(
    store: InMemoryTokenStore, xero: XeroConnector, api: responses.RequestsMock
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    store._tokens = TokenSet(SecretStr("old"), SecretStr("refresh-1"), past)
    api.add(
        "POST",
        "https://identity.xero.com/connect/token",
        json={"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 1800},
    )
    api.add_callback(
        "PUT",
        f"{SERVER}/ManualJournals",
        xero_answer("ManualJournals", lambda sent: {**sent, "ManualJournalID": "mj-1"}),
    )
    xero.post_document(outgoing(payout()), "k")
    assert store.current().refresh_token.get_secret_value() == "refresh-2"
    assert api.calls[1].request.headers["Authorization"] == "Bearer access-2"
    assert "refresh_token=refresh-1" in str(api.calls[0].request.body)
