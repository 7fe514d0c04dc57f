"""Xero Accounting API connector on the shared toolkit.

Idempotency-Key on every PUT, `summarizeErrors=false` so a refusal names its element,
the natural key looked up with `where`, reading back with If-Modified-Since + paging,
OAuth2 refresh single-flight through the toolkit's token store. Xero's 429 says which
limit was hit (X-Rate-Limit-Problem): a minute limit is waited out in-request, the day
limit goes straight back to the job layer with its Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import requests
from pydantic import Field, SecretStr

from connectors.accounting.base import BooksConnector, Cursor, ReadPage
from connectors.accounting.jsonbody import dumps, loads
from connectors.accounting.xero.documents import ENDPOINTS, Endpoint, read_back, to_xero
from connectors.base import (
    ConnectorConfig,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
    secret,
)
from connectors.errors import (
    DocumentRejected,
    PeriodClosed,
    RateLimited,
)
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.http import HttpError
from connectors.toolkit.oauth import OAuthApp
from connectors.toolkit.pagination import PageNumberPaginator, PageRequest
from connectors.toolkit.ratelimit import RateLimit
from connectors.toolkit.retry import parse_retry_after

_log = logging.getLogger(__name__)

__all__ = ["XeroConfig", "XeroConnector"]


class XeroConfig(ConnectorConfig):
    xero_tenant_id: str = Field(min_length=1, description="the organisation (tenant) id")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = secret("OAuth2 client secret")
    base_currency: str = "USD"
    base_url: str = "https://api.xero.com/api.xro/2.0"
    token_url: str = "https://identity.xero.com/connect/token"


def _day_limit_hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """The day limit will not lift in seconds: no in-request retry, the job waits."""
    if response.status_code == 429 and response.headers.get("X-Rate-Limit-Problem") == "day":
        after = parse_retry_after(response.headers.get("Retry-After")) or 3600.0
        raise RateLimited(f"Xero daily call limit reached; retry in {after:.0f} s", after)


class XeroConnector(BooksConnector[XeroConfig]):
    name: ClassVar[str] = "xero"
    config_model: ClassVar[type[ConnectorConfig]] = XeroConfig
    # Xero's OAuth 2.0 authorization-code flow: offline_access for a refresh token, and
    # the accounting scopes this connector reads and writes.
    oauth: ClassVar[OAuthApp | None] = OAuthApp(
        "https://login.xero.com/identity/connect/authorize",
        ("offline_access", "accounting.transactions", "accounting.settings.read"),
    )
    rate_limit: ClassVar[RateLimit | None] = RateLimit(capacity=5, rate=1.0)  # 60/min per tenant
    page_size: ClassVar[int] = 100  # Xero's fixed page size
    paginator = PageNumberPaginator(total_pages_header=None)

    def __init__(self, config: XeroConfig, context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        session = requests.Session()
        session.hooks["response"].append(_day_limit_hook)
        session.headers.update(
            {"xero-tenant-id": config.xero_tenant_id, "Accept": "application/json"}
        )
        self.http = self.http_client(config.base_url, session)

    # ---- posting -----------------------------------------------------------------------

    def send(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        endpoint = ENDPOINTS.get(document.kind)
        body = to_xero(document, self.config.base_currency)
        assert endpoint is not None
        item = self._put(endpoint.collection, body, idempotency_key, document.natural_key)
        posted = read_back(endpoint, item, self.config.base_currency)
        assert posted is not None
        if document.kind == "sales_receipt":
            self._pay(document, posted, idempotency_key)
        if document.kind == "credit_note":
            self._refund(document, posted, idempotency_key)
        if document.kind == "reversal":
            self._allocate(document, posted, idempotency_key)
        return posted

    def _put(self, collection: str, body: dict[str, Any], key: str, record: str) -> Any:
        try:
            response = self.http.request(
                "PUT",
                f"/{collection}",
                params={"summarizeErrors": "false"},
                data=dumps({collection: [body]}).encode(),
                headers={"Idempotency-Key": key, "Content-Type": "application/json"},
            )
        except HttpError as exc:
            raise _rejected(record, exc.body) from None
        (item,) = loads(response.text)[collection]
        if item.get("HasErrors") or item.get("StatusAttributeString") == "ERROR":
            raise _rejected(record, dumps({"Elements": [item]}))
        return item

    def _pay(self, document: OutgoingDocument, invoice: PostedDocument, key: str) -> None:
        """Settle the receipt's receivable into the clearing account (Xero payments
        need a bank account or one with payments enabled: map clearing to such)."""
        clearing = document.payload["lines"][0]["account"]
        payment = {
            "Invoice": {"InvoiceID": invoice.external_id},
            "Account": {"Code": clearing},
            "Date": document.date.date().isoformat(),
            "Amount": document.total,
            "Reference": document.natural_key,
        }
        self._put("Payments", payment, f"{key}:payment", document.natural_key)

    def _refund(self, document: OutgoingDocument, credit: PostedDocument, key: str) -> None:
        """The refund went back to the buyer through the channel (a payout nets it): pay
        the credit note out of the clearing account, so Xero's clearing moves as the
        hub's does, instead of the credit waiting in receivables."""
        clearing = document.payload["lines"][-1]["account"]
        payment = {
            "CreditNote": {"CreditNoteID": credit.external_id},
            "Account": {"Code": clearing},
            "Date": document.date.date().isoformat(),
            "Amount": document.total,
            "Reference": document.natural_key,
        }
        self._put("Payments", payment, f"{key}:refund", document.natural_key)

    def _allocate(self, document: OutgoingDocument, credit: PostedDocument, key: str) -> None:
        """A reversal of an invoice still owed (a sales invoice nobody paid) is allocated
        to it, so Xero settles the invoice with the credit note instead of leaving both
        open. A paid receipt keeps its payment; its reversal stays a credit (the money
        goes back as a refund would)."""
        original = document.payload.get("reverses")
        invoice = self.find_document("sales_invoice", str(original)) if original else None
        due = invoice.payload.get("amount_due") if invoice is not None else None
        if invoice is None or due is None or Decimal(str(due)) <= 0:
            return
        allocation = {
            "Amount": min(Decimal(str(due)), document.total),
            "Invoice": {"InvoiceID": invoice.external_id},
            "Date": document.date.date().isoformat(),
        }
        try:
            self.http.request(
                "PUT",
                f"/CreditNotes/{credit.external_id}/Allocations",
                params={"summarizeErrors": "false"},
                data=dumps({"Allocations": [allocation]}).encode(),
                headers={
                    "Idempotency-Key": f"{key}:allocation",
                    "Content-Type": "application/json",
                },
            )
        except HttpError as exc:
            # The credit note is in the books either way: a refused allocation leaves the
            # invoice and the credit open side by side, for a person to allocate.
            _log.warning("%s: allocation refused by Xero: %s", document.natural_key, exc.body)

    # ---- reading back ------------------------------------------------------------------

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        endpoint = ENDPOINTS[kind]
        quoted = natural_key.replace('"', '\\"')
        params = {"where": f'{endpoint.key_field}=="{quoted}"'}
        for item in self._get(endpoint, params):
            posted = read_back(endpoint, item, self.config.base_currency)
            if posted is not None and posted.payload["status"] != "deleted":
                return posted
        return None

    def read_page(self, kind: str, since: datetime, cursor: Cursor | None) -> ReadPage:
        """Xero pages by ``page`` (100 to a page) and answers only what changed since
        If-Modified-Since; a short page is the last."""
        endpoint = ENDPOINTS[kind]
        day = since.date()
        where = f"Date>=DateTime({day.year},{day.month:02d},{day.day:02d})"
        if endpoint.type is not None:
            where += f' AND Type=="{endpoint.type}"'
        params: dict[str, Any] = {"where": where}
        if endpoint.collection == "Invoices":
            params["createdByMyApp"] = "true"
        request = self.paginator.apply(cursor, PageRequest(f"/{endpoint.collection}", params))
        headers = {"If-Modified-Since": since.strftime("%Y-%m-%dT%H:%M:%S")}
        response = self.http.request("GET", request.path, params=request.params, headers=headers)
        records = loads(response.text).get(endpoint.collection) or []
        page = [read_back(endpoint, item, self.config.base_currency) for item in records]
        more = len(records) >= self.page_size
        return page, (self.paginator.next_token(response, records, cursor) if more else None)

    def _get(self, endpoint: Endpoint, params: dict[str, Any]) -> list[Any]:
        response = self.http.request("GET", f"/{endpoint.collection}", params=params)
        items: list[Any] = loads(response.text).get(endpoint.collection) or []
        return items

    def list_accounts(self) -> Sequence[LedgerAccount]:
        rows = loads(self.http.request("GET", "/Accounts").text).get("Accounts") or []
        return [
            LedgerAccount(str(a.get("Code") or a["AccountID"]), str(a.get("Name", "")), "account")
            for a in rows
        ]

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        rows = loads(self.http.request("GET", "/TaxRates").text).get("TaxRates") or []
        return [LedgerAccount(str(t["TaxType"]), str(t.get("Name", "")), "tax_code") for t in rows]


def _rejected(record: str, body: str) -> DocumentRejected:
    """Xero's validation messages, from a 400 ValidationException or an element with
    HasErrors; a lock-date refusal is a closed period."""
    try:
        parsed = loads(body)
    except ValueError:
        return DocumentRejected(f"{record}: {body[:300]}")
    messages = [
        str(error.get("Message"))
        for element in parsed.get("Elements") or []
        for error in element.get("ValidationErrors") or []
    ] or [str(parsed.get("Message") or parsed.get("Detail") or body[:300])]
    text = f"{record}: " + "; ".join(messages)
    if any("lock date" in m.lower() for m in messages):
        return PeriodClosed(text)
    return DocumentRejected(text)
