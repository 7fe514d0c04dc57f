"""Paginators follow each platform's "there is more" signal and refuse to loop."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
import requests

from connectors.base import PaginationLoop
from connectors.toolkit import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextTokenPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    Paginator,
)


def reply(body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def walk(
    paginator: Paginator,
    replies: list[requests.Response],
    records_of: Any,
    first: PageRequest | None = None,
    resume: str | None = None,
) -> tuple[list[PageRequest], list[Sequence[Any]]]:
    sent: list[PageRequest] = []

    def send(request: PageRequest) -> requests.Response:
        sent.append(request)
        return replies[len(sent) - 1]

    pages = [
        records
        for records, _ in paginator.pages(
            send, first or PageRequest("orders", {"status": "any"}), records_of, resume
        )
    ]
    return sent, pages


def test_page_number_stops_at_the_total_pages_header() -> None:
    replies = [reply([{"id": i}], {"X-WP-TotalPages": "2"}) for i in (1, 2)]
    sent, pages = walk(PageNumberPaginator(), replies, lambda r: r.json())
    assert [r.params for r in sent] == [{"status": "any", "page": 1}, {"status": "any", "page": 2}]
    assert pages == [[{"id": 1}], [{"id": 2}]]


def test_page_number_without_a_total_stops_at_an_empty_page() -> None:
    replies = [reply([{"id": 1}]), reply([])]
    sent, pages = walk(PageNumberPaginator(total_pages_header=None), replies, lambda r: r.json())
    assert len(sent) == 2 and pages == [[{"id": 1}], []]


def test_link_header_follows_shopify_page_info_exactly_as_given() -> None:
    following = "https://s.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=abc"
    replies = [
        reply({"orders": [{"id": 1}]}, {"Link": f'<{following}>; rel="next"'}),
        reply({"orders": [{"id": 2}]}),
    ]
    sent, pages = walk(LinkHeaderPaginator(), replies, lambda r: r.json()["orders"])
    # Shopify refuses filters next to page_info: the second request carries none of ours.
    assert sent[1] == PageRequest(following, {})
    assert len(pages) == 2


def test_amazon_next_token_is_sent_back_with_the_original_filters() -> None:
    replies = [
        reply({"payload": {"Orders": [{"AmazonOrderId": "A"}], "NextToken": "tok/+1="}}),
        reply({"payload": {"Orders": [{"AmazonOrderId": "B"}]}}),
    ]
    sent, _ = walk(NextTokenPaginator(), replies, lambda r: r.json()["payload"]["Orders"])
    assert sent[1].params == {"status": "any", "NextToken": "tok/+1="}


def test_graphql_cursor_goes_into_the_variables() -> None:
    paginator = CursorPaginator(
        cursor_path=("data", "orders", "pageInfo", "endCursor"),
        has_more_path=("data", "orders", "pageInfo", "hasNextPage"),
        body_path=("variables", "after"),
    )

    def page(n: int, more: bool) -> requests.Response:
        info = {"hasNextPage": more, "endCursor": f"c{n}"}
        return reply({"data": {"orders": {"nodes": [{"id": n}], "pageInfo": info}}})

    first = PageRequest(
        "graphql.json", json={"query": "q", "variables": {"first": 1}}, method="POST"
    )
    sent, pages = walk(
        paginator,
        [page(1, True), page(2, False)],
        lambda r: r.json()["data"]["orders"]["nodes"],
        first,
    )
    assert sent[1].json == {"query": "q", "variables": {"first": 1, "after": "c1"}}
    assert first.json == {"query": "q", "variables": {"first": 1}}  # not mutated
    assert len(pages) == 2


def test_offset_advances_by_the_records_received_until_the_total() -> None:
    replies = [
        reply({"orders": [{"id": 1}, {"id": 2}], "count": 3}),
        reply({"orders": [{"id": 3}], "count": 3}),
    ]
    sent, pages = walk(OffsetPaginator(limit=2), replies, lambda r: r.json()["orders"])
    assert [r.params["offset"] for r in sent] == [0, 2]
    assert len(pages) == 2


def test_resume_starts_at_the_stored_token() -> None:
    replies = [reply([{"id": 3}], {"X-WP-TotalPages": "3"})]
    sent, _ = walk(PageNumberPaginator(), replies, lambda r: r.json(), resume="3")
    assert sent[0].params["page"] == 3


def test_a_repeated_token_is_a_loop() -> None:
    looping = '<https://x/orders?page_info=same>; rel="next"'
    replies = [reply([{"id": n}], {"Link": looping}) for n in (1, 2, 3)]
    with pytest.raises(PaginationLoop):
        walk(LinkHeaderPaginator(), replies, lambda r: r.json())


def test_a_repeated_page_is_a_loop_even_with_new_page_numbers() -> None:
    replies = [reply([{"id": 1}], {"X-WP-TotalPages": "50"}) for _ in range(3)]
    with pytest.raises(PaginationLoop):
        walk(PageNumberPaginator(), replies, lambda r: r.json())
