"""Paginators: strategy objects that know how one platform says "there is more".

Each turns a response into an opaque *token* for the next page (a string the sync
engine can store to resume after a crash) and applies a token to the next request.
The shared :meth:`Paginator.pages` loop refuses to spin: a token seen before, or a page
whose records are identical to an earlier page, raises PaginationLoop.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import requests

from connectors.errors import PaginationLoop

JsonPath = tuple[str, ...]


@dataclass(frozen=True)
class PageRequest:
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    method: str = "GET"


def dig(value: Any, path: JsonPath) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class Paginator(ABC):
    @abstractmethod
    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        """The request for the page named by ``token`` (None: the first page)."""

    @abstractmethod
    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        """The token of the page after this one, or None when this was the last."""

    def pages(
        self,
        send: Callable[[PageRequest], requests.Response],
        first: PageRequest,
        records_of: Callable[[requests.Response], Sequence[Any]],
        resume: str | None = None,
    ) -> Iterator[tuple[Sequence[Any], str | None]]:
        """Yield (records, token of the next page) until the last page."""
        seen_tokens: set[str | None] = set()
        seen_pages: set[str] = set()
        token = resume
        while True:
            response = send(self.apply(token, first))
            records = records_of(response)
            if records:
                fingerprint = _fingerprint(records)
                if fingerprint in seen_pages:
                    raise PaginationLoop(f"page {token!r} repeats an earlier page")
                seen_pages.add(fingerprint)
            seen_tokens.add(token)
            following = self.next_token(response, records, token)
            if following is not None and following in seen_tokens:
                raise PaginationLoop(f"next page token {following!r} was already read")
            yield records, following
            if following is None:
                return
            token = following


def _fingerprint(records: Sequence[Any]) -> str:
    text = json.dumps(list(records), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PageNumberPaginator(Paginator):
    """``?page=N`` plus a total-pages header (WooCommerce: X-WP-TotalPages)."""

    page_param: str = "page"
    total_pages_header: str | None = "X-WP-TotalPages"
    first_page: int = 1

    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        page = int(token) if token else self.first_page
        return replace(request, params={**request.params, self.page_param: page})

    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        page = int(token) if token else self.first_page
        if not records:
            return None
        total = response.headers.get(self.total_pages_header or "")
        if total is not None and total.isdigit() and page >= int(total):
            return None
        return str(page + 1)


@dataclass(frozen=True)
class LinkHeaderPaginator(Paginator):
    """RFC 8288 ``Link: <...>; rel="next"`` (Shopify REST page_info, WooCommerce, GitHub).
    The next URL is used exactly as given: Shopify refuses other filters beside page_info."""

    rel: str = "next"

    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        return request if token is None else replace(request, path=token, params={})

    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        link = response.links.get(self.rel)
        return link.get("url") if link else None


@dataclass(frozen=True)
class CursorPaginator(Paginator):
    """A cursor in the body (GraphQL pageInfo.endCursor + hasNextPage, or ``next_cursor``).
    The cursor goes back as a query parameter or into the JSON body at ``body_path``."""

    cursor_path: JsonPath
    has_more_path: JsonPath | None = None
    param: str | None = "cursor"
    body_path: JsonPath | None = None  # e.g. ("variables", "after") for GraphQL

    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        if token is None:
            return request
        if self.body_path:
            body = json.loads(json.dumps(request.json or {}))
            target = body
            for key in self.body_path[:-1]:
                target = target.setdefault(key, {})
            target[self.body_path[-1]] = token
            return replace(request, json=body)
        assert self.param is not None
        return replace(request, params={**request.params, self.param: token})

    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        body = response.json()
        if self.has_more_path is not None and not dig(body, self.has_more_path):
            return None
        cursor = dig(body, self.cursor_path)
        return str(cursor) if cursor else None


@dataclass(frozen=True)
class NextTokenPaginator(CursorPaginator):
    """Amazon SP-API: ``payload.NextToken`` goes back as ``NextToken``."""

    cursor_path: JsonPath = ("payload", "NextToken")
    param: str | None = "NextToken"


@dataclass(frozen=True)
class OffsetPaginator(Paginator):
    """``offset``/``limit`` with a total in the body (eBay, Medusa)."""

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    total_path: JsonPath = ("count",)

    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        params = {self.offset_param: int(token or 0), self.limit_param: self.limit}
        return replace(request, params={**request.params, **params})

    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        following = int(token or 0) + len(records)
        total = dig(response.json(), self.total_path)
        if not records or (isinstance(total, int) and following >= total):
            return None
        return str(following)


@dataclass(frozen=True)
class StartingAfterPaginator(Paginator):
    """Stripe's list API: ``has_more`` in the body, the next page starts after the last
    record's id (``starting_after=<id>``)."""

    param: str = "starting_after"
    has_more_field: str = "has_more"
    id_field: str = "id"

    def apply(self, token: str | None, request: PageRequest) -> PageRequest:
        if token is None:
            return request
        return replace(request, params={**request.params, self.param: token})

    def next_token(
        self, response: requests.Response, records: Sequence[Any], token: str | None
    ) -> str | None:
        if not records or not response.json().get(self.has_more_field):
            return None
        last = records[-1]
        return str(last.get(self.id_field)) if isinstance(last, dict) else None
