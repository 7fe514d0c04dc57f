"""QuickBooks Online v3 connector on the shared toolkit.

`requestid` on every create and `minorversion` pinned; the natural key looked up by
DocNumber before any re-post; reading back with the query endpoint (STARTPOSITION /
MAXRESULTS). Fault codes are classified here: 6210/6240 duplicates mean "already
there" (look it up), 5010 is a stale object unless its message says the period is
closed, 3001 ThrottleExceeded is a rate limit even when the body is XML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal

import requests
from pydantic import Field, SecretStr, model_validator

from connectors.accounting.base import AlreadyPosted, BooksConnector, Cursor, ReadPage
from connectors.accounting.jsonbody import dumps, loads
from connectors.accounting.quickbooks.documents import ENTITY, read_back, to_bill, to_journal_entry
from connectors.base import (
    ConnectorConfig,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
    secret,
)
from connectors.errors import (
    DocumentRejected,
    FatalConfigurationError,
    PeriodClosed,
    RateLimited,
    RetriableError,
)
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.http import HttpError
from connectors.toolkit.oauth import OAuthApp
from connectors.toolkit.ratelimit import RateLimit
from connectors.toolkit.retry import parse_retry_after
from hub.domain.documents import short_reference

__all__ = ["QuickBooksConfig", "QuickBooksConnector"]

API_HOSTS = {
    "production": "https://quickbooks.api.intuit.com",
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
}
THROTTLE_WAIT = 60.0  # Intuit: after a 429 wait 60 seconds
_THROTTLE = re.compile(r"ThrottleExceeded|code=\"?3001\"?|\"code\"\s*:\s*\"3001\"")


class QuickBooksConfig(ConnectorConfig):
    realm_id: str = Field(min_length=1, description="the company id (realmId)")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = secret("OAuth2 client secret")
    environment: Literal["production", "sandbox"] = "production"
    home_currency: str = "USD"
    minorversion: str = "75"
    journal_tax: bool = False  # tax codes on journal lines (not allowed for US companies)
    base_url: str = ""  # empty: the environment's own API host
    token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"

    @model_validator(mode="after")
    def _api_host(self) -> QuickBooksConfig:
        if not self.base_url:  # frozen model: set once, while validating
            object.__setattr__(self, "base_url", API_HOSTS[self.environment])
        return self


def _throttle_hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """3001 arrives as XML even when JSON was asked for, and not always as a 429."""
    if response.status_code == 429 or (
        response.status_code >= 400 and _THROTTLE.search(response.text or "")
    ):
        after = parse_retry_after(response.headers.get("Retry-After")) or THROTTLE_WAIT
        raise RateLimited(
            f"QuickBooks throttled the request (3001/429); retry in {after:.0f} s", after
        )


class QuickBooksConnector(BooksConnector[QuickBooksConfig]):
    name: ClassVar[str] = "quickbooks"
    config_model: ClassVar[type[ConnectorConfig]] = QuickBooksConfig
    # Intuit's OAuth 2.0 discovery document: authorization endpoint and accounting scope;
    # the redirect names the company it authorised as realmId.
    oauth: ClassVar[OAuthApp | None] = OAuthApp(
        "https://appcenter.intuit.com/connect/oauth2",
        ("com.intuit.quickbooks.accounting",),
        {"realmId": "realm_id"},
    )
    rate_limit: ClassVar[RateLimit | None] = RateLimit(capacity=10, rate=8.0)  # 500/min, 10/s
    rate_family: ClassVar[str] = "qbo"
    page_size: ClassVar[int] = 100  # MAXRESULTS: the query endpoint allows up to 1000

    def __init__(self, config: QuickBooksConfig, context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        session = requests.Session()
        session.hooks["response"].append(_throttle_hook)
        session.headers.update({"Accept": "application/json"})
        self.http = self.http_client(
            f"{config.base_url}/v3/company/{config.realm_id}/",
            session,
            max_retry_after=THROTTLE_WAIT,
        )
        self._vendors: dict[str, str] = {}

    # ---- posting -----------------------------------------------------------------------

    def send(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        entity = ENTITY.get(document.kind)
        if entity is None:
            raise DocumentRejected(
                f"{document.natural_key}: no QuickBooks entity for {document.kind!r}"
            )
        if entity == "Bill":
            vendor = self._vendor_id(document)
            body = to_bill(document, vendor, self.config.home_currency)
        else:
            body = to_journal_entry(document, self.config.home_currency, self.config.journal_tax)
        params = {"requestid": idempotency_key[:50], "minorversion": self.config.minorversion}
        try:
            response = self.http.request(
                "POST",
                entity.lower(),
                params=params,
                data=dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
        except HttpError as exc:
            code, message = _fault(exc.body)
            refusal = _classified(document.natural_key, code, message)
            if code in ("6210", "6240"):  # already there: what we posted before
                raise AlreadyPosted(str(refusal), otherwise=refusal) from None
            raise refusal from None
        posted = read_back(entity, loads(response.text)[entity], self.config.home_currency)
        if posted is None:
            raise RetriableError(
                f"{document.natural_key}: QuickBooks answered without our reference"
            )
        return posted

    def _vendor_id(self, document: OutgoingDocument) -> str:
        name = str(document.payload.get("party") or "")
        if name not in self._vendors:
            rows = self._query(
                f"select * from Vendor where DisplayName = '{_quote(name)}'", "Vendor"
            )
            if not rows:
                raise DocumentRejected(
                    f"{document.natural_key}: vendor {name!r} is not in QuickBooks "
                    "(create it, or map the supplier with a vendor rule)"
                )
            self._vendors[name] = str(rows[0]["Id"])
        return self._vendors[name]

    # ---- reading back ------------------------------------------------------------------

    def _query(self, statement: str, entity: str) -> list[Any]:
        params = {"query": statement, "minorversion": self.config.minorversion}
        answer = loads(self.http.request("GET", "query", params=params).text)
        rows: list[Any] = answer.get("QueryResponse", {}).get(entity) or []
        return rows

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        entity = ENTITY[kind]
        rows = self._query(
            f"select * from {entity} where DocNumber = '{short_reference(natural_key)}'", entity
        )
        for row in rows:
            posted = read_back(entity, row, self.config.home_currency)
            if posted is not None and posted.natural_key == natural_key:
                return posted
        return None

    def read_page(self, kind: str, since: datetime, cursor: Cursor | None) -> ReadPage:
        """The query endpoint's STARTPOSITION (1-based) is the cursor."""
        entity = ENTITY[kind]
        start = int(cursor or 1)
        statement = (
            f"select * from {entity} where TxnDate >= '{since.date().isoformat()}'"
            f" STARTPOSITION {start} MAXRESULTS {self.page_size}"
        )
        rows = self._query(statement, entity)
        page = [read_back(entity, row, self.config.home_currency) for row in rows]
        return page, (start + self.page_size if len(rows) == self.page_size else None)

    def list_accounts(self) -> Sequence[LedgerAccount]:
        rows = self._query("select * from Account MAXRESULTS 1000", "Account")
        return [LedgerAccount(str(a["Id"]), str(a.get("Name", "")), "account") for a in rows]

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        rows = self._query("select * from TaxCode MAXRESULTS 1000", "TaxCode")
        return [LedgerAccount(str(t["Id"]), str(t.get("Name", "")), "tax_code") for t in rows]


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _fault(body: str) -> tuple[str, str]:
    """(code, message) of the first error in a Fault (JSON or XML)."""
    try:
        errors = loads(body)["Fault"]["Error"]
        return str(
            errors[0].get("code", "")
        ), f"{errors[0].get('Message')}: {errors[0].get('Detail', '')}"
    except (ValueError, KeyError, IndexError, TypeError):
        code = re.search(r'code="?(\d+)', body)
        return (code.group(1) if code else ""), body[:300]


def _classified(record: str, code: str, message: str) -> Exception:
    """python-quickbooks' ranges: 1-499 authorization, 5010 see below, 10000+ severe
    (theirs: try later), everything else a refusal of this document."""
    text = f"{record}: QuickBooks {code}: {message}"
    number = int(code) if code.isdigit() else 0
    if number == 5010:
        # One code, two meanings: only the message tells a closed period from a stale token.
        if "period closed" in message.lower():
            return PeriodClosed(text)
        return RetriableError(text)
    if 1 <= number <= 499:
        return FatalConfigurationError(text)
    if number >= 10000:
        return RetriableError(text)
    return DocumentRejected(text)
