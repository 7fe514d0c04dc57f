"""A fake platform's list endpoint that pages the way a connector's paginator expects.

Given the connector's declared stream (where records sit in the body, which paginator),
it answers each request with the right page, headers and next token, so the contract
kit can exercise any connector built on the toolkit without platform-specific mocks.
``loop=True`` plays a broken platform that ignores the page token.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from requests import PreparedRequest

from connectors.toolkit.pagination import (
    CursorPaginator,
    JsonPath,
    LinkHeaderPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    dig,
)
from connectors.toolkit.rest import Stream

Reply = tuple[int, dict[str, str], str]


def put(body: dict[str, Any], path: JsonPath, value: Any) -> None:
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


class PageServer:
    def __init__(self, stream: Stream, pages: Sequence[Sequence[Any]], loop: bool = False):
        self.stream = stream
        self.pages = [list(p) for p in pages]
        self.loop = loop

    def __call__(self, request: PreparedRequest) -> Reply:
        paginator = self.stream.paginator
        query = {k: v[-1] for k, v in parse_qs(urlsplit(request.url or "").query).items()}
        if isinstance(paginator, PageNumberPaginator):
            return self._page_number(paginator, query)
        if isinstance(paginator, LinkHeaderPaginator):
            return self._link(request, query)
        if isinstance(paginator, CursorPaginator):
            return self._cursor(paginator, request, query)
        if isinstance(paginator, OffsetPaginator):
            return self._offset(paginator, query)
        raise NotImplementedError(
            f"no fake pages for {type(paginator).__name__}: override serve_orders_page"
        )

    def _body(self, records: list[Any]) -> dict[str, Any] | list[Any]:
        if not self.stream.records_path:
            return records
        body: dict[str, Any] = {}
        put(body, self.stream.records_path, records)
        return body

    def _reply(self, body: Any, headers: dict[str, str] | None = None) -> Reply:
        return 200, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body)

    def _page_number(self, paginator: PageNumberPaginator, query: dict[str, str]) -> Reply:
        index = 0 if self.loop else int(query.get(paginator.page_param, paginator.first_page)) - 1
        records = self.pages[index] if 0 <= index < len(self.pages) else []
        headers = {"X-WP-Total": str(sum(map(len, self.pages)))}
        if paginator.total_pages_header:
            total = 99 if self.loop else len(self.pages)
            headers[paginator.total_pages_header] = str(total)
        return self._reply(self._body(records), headers)

    def _index(self, token: str | None) -> int:
        return 0 if (self.loop or not token) else int(token.removeprefix("p"))

    def _link(self, request: PreparedRequest, query: dict[str, str]) -> Reply:
        index = self._index(query.get("page_info"))
        headers = {}
        if index + 1 < len(self.pages) or self.loop:
            parts = urlsplit(request.url or "")
            following = urlencode({"page_info": f"p{1 if self.loop else index + 1}"})
            url = f"{parts.scheme}://{parts.netloc}{parts.path}?{following}"
            headers["Link"] = f'<{url}>; rel="next"'
        return self._reply(self._body(self.pages[index]), headers)

    def _cursor(
        self, paginator: CursorPaginator, request: PreparedRequest, query: dict[str, str]
    ) -> Reply:
        if paginator.body_path:
            sent = json.loads(request.body or b"{}")
            token = dig(sent, paginator.body_path)
        else:
            token = query.get(paginator.param or "")
        index = self._index(token)
        body = self._body(self.pages[index])
        assert isinstance(body, dict), "cursor pagination needs records under a key"
        more = index + 1 < len(self.pages) or self.loop
        if more:
            put(body, paginator.cursor_path, f"p{1 if self.loop else index + 1}")
        if paginator.has_more_path:
            put(body, paginator.has_more_path, more)
        return self._reply(body)

    def _offset(self, paginator: OffsetPaginator, query: dict[str, str]) -> Reply:
        offset = 0 if self.loop else int(query.get(paginator.offset_param, 0))
        starts = [sum(map(len, self.pages[:i])) for i in range(len(self.pages))]
        index = starts.index(offset) if offset in starts else len(self.pages)
        records = self.pages[index] if index < len(self.pages) else []
        body = self._body(records)
        assert isinstance(body, dict), "offset pagination needs records under a key"
        put(body, paginator.total_path, 10**6 if self.loop else sum(map(len, self.pages)))
        return self._reply(body)
