"""What every books connector shares, so a new one is declarations plus a few hooks.

A subclass declares its name, config model, capabilities and (for a hosted ledger) its
OAuth2 app and rate limit, then fills in the hooks: how to send one document, how to
look one up by its natural key, how to read a page back, and how to read the chart and
the tax codes. The base does the rest once:

- posting: a refusal that means "this is already there" (QuickBooks 6240, a duplicate
  Reference) is answered by looking the natural key up, never by posting again;
- reading back: the page loop, and only documents the hub wrote (those with a key);
- the HTTP client: one toolkit client with the shared rate budget, Retry-After honoured,
  secrets scrubbed and OAuth2 refreshed single-flight through the context's token store;
- ``check_books``: what ``hub books test`` reports (how many accounts and tax codes the
  books hold: proof the settings and the login work).

The contract suite in ``connectors/testing/books.py`` holds every subclass to this.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

import requests
from requests.auth import AuthBase

from connectors.base import (
    BooksCheck,
    Capability,
    ConnectorConfig,
    ConnectorKind,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
)
from connectors.errors import ConnectorError, FatalConfigurationError
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.http import HttpClient
from connectors.toolkit.oauth import OAuth2RefreshAuth, OAuth2TokenClient, OAuthApp
from connectors.toolkit.ratelimit import RateLimit

__all__ = ["AlreadyPosted", "BooksConnector", "Cursor", "ReadPage"]

ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)
Cursor = Any  # a connector's own "where the next page starts" (position, page number)
ReadPage = tuple[Sequence[PostedDocument | None], Cursor | None]

ALL_BOOKS_CAPABILITIES = frozenset(
    {
        Capability.POST_DOCUMENTS,
        Capability.READ_DOCUMENTS,
        Capability.LIST_ACCOUNTS,
        Capability.LIST_TAX_CODES,
    }
)


class AlreadyPosted(ConnectorError):
    """Raised by :meth:`BooksConnector.send` when the books refuse a document as a
    duplicate of one they hold: the base then answers with the one they hold, or raises
    ``otherwise`` (the refusal as classified) when the lookup finds nothing."""

    def __init__(self, message: str, otherwise: Exception | None = None) -> None:
        super().__init__(message)
        self.otherwise = otherwise


class BooksConnector(Generic[ConfigT]):
    name: ClassVar[str]
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    capabilities: ClassVar[frozenset[Capability]] = ALL_BOOKS_CAPABILITIES
    config_model: ClassVar[type[ConnectorConfig]]
    # Hosted books: the authorization-code flow ``hub books connect`` runs. None: no login.
    oauth: ClassVar[OAuthApp | None] = None
    rate_limit: ClassVar[RateLimit | None] = None
    rate_family: ClassVar[str] = ""  # budget name shared by every client of one platform
    page_size: ClassVar[int] = 100  # documents per page when reading back

    def __init__(self, config: ConfigT, context: ConnectorContext | None = None) -> None:
        self.config = config
        self.context = context or ConnectorContext()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.context.connection_key!r})"

    # ---- OAuth2 and HTTP, once --------------------------------------------------------

    @classmethod
    def token_client(cls, config: ConnectorConfig) -> OAuth2TokenClient:
        """The token endpoint of a hosted ledger (config fields ``token_url``,
        ``client_id`` and ``client_secret``); used to refresh and to connect."""
        values = vars(config)
        try:
            return OAuth2TokenClient(
                values["token_url"], values["client_id"], values["client_secret"]
            )
        except KeyError as exc:
            raise FatalConfigurationError(f"{cls.name}: config has no {exc.args[0]}") from None

    def http_client(
        self,
        base_url: str,
        session: requests.Session,
        auth: AuthBase | None = None,
        **options: Any,
    ) -> HttpClient:
        """The toolkit client every request goes through: OAuth2 (when declared) with the
        context's token store, else ``auth``; the shared rate budget; secrets scrubbed."""
        if self.oauth is not None:
            if self.context.token_store is None:
                raise FatalConfigurationError(
                    f"{self.name}: no OAuth2 token store (connect the books first: "
                    f"hub books connect {self.name} ...)"
                )
            client = self.token_client(self.config)
            auth = OAuth2RefreshAuth(self.context.token_store, client)
            options.setdefault("secrets", [client.client_secret.get_secret_value()])
        budget = None
        if self.rate_limit is not None:
            family = self.rate_family or self.name
            budget = self.context.budgets.budget(
                self.context.connection_key, family, self.rate_limit
            )
        return HttpClient(
            base_url, auth=auth, budget=budget, sleep=self.context.sleep, session=session, **options
        )

    # ---- hooks a connector fills in ----------------------------------------------------

    def send(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        """Create the document in the books, carrying ``idempotency_key`` where the
        platform honours one and the natural key where it can be searched. Raise
        :class:`AlreadyPosted` when the books answer "duplicate"."""
        raise NotImplementedError

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        """The document the hub posted under ``natural_key``, or None."""
        raise NotImplementedError

    def read_page(self, kind: str, since: datetime, cursor: Cursor | None) -> ReadPage:
        """One page of documents of ``kind`` dated ``since`` or later, and the cursor of
        the next page (None after the last). None entries: objects the hub did not
        write; the base drops them."""
        raise NotImplementedError

    def list_accounts(self) -> Sequence[LedgerAccount]:
        """The chart of accounts (code, name)."""
        raise NotImplementedError

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        """The tax codes (rates) the books know; none for books without them."""
        return []

    # ---- AccountingConnector -----------------------------------------------------------

    def post_document(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        try:
            return self.send(document, idempotency_key)
        except AlreadyPosted as exc:
            found = self.find_document(document.kind, document.natural_key)
            if found is None:
                raise exc.otherwise or exc from None
            return found

    def iter_documents(self, kind: str, since: datetime) -> Iterator[Sequence[PostedDocument]]:
        cursor: Cursor | None = None
        seen: set[Any] = set()
        while True:
            rows, cursor = self.read_page(kind, since, cursor)
            yield [row for row in rows if row is not None]
            if cursor is None:
                return
            if repr(cursor) in seen:  # a platform that hands the same page back forever
                raise ConnectorError(f"{self.name}: reading back {kind} loops at {cursor!r}")
            seen.add(repr(cursor))

    def check_books(self) -> BooksCheck:
        """Read the chart and the tax codes: proof the settings and the login work."""
        return BooksCheck(len(self.list_accounts()), len(self.list_tax_codes()))
