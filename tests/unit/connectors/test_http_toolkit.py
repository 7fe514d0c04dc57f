"""The HTTP toolkit: one error table, Retry-After, short retries, budgets fed by headers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses

from connectors.base import (
    Action,
    FatalConfigurationError,
    RateLimited,
    RetriableError,
    classify,
)
from connectors.toolkit import (
    HttpClient,
    HttpError,
    LocalTokenBucket,
    RateLimit,
    acquire,
    amazon_rate_limit,
    in_process_wait,
    parse_retry_after,
    shopify_call_limit,
    shopify_graphql_throttle,
)

API = "https://api.example.com/v1/"


@pytest.mark.parametrize(
    ("outcome", "action"),
    [
        (200, Action.SUCCESS),
        (204, Action.SUCCESS),
        (401, Action.FAIL_CONFIG),
        (403, Action.FAIL_CONFIG),
        (429, Action.RATE_LIMITED),
        (503, Action.RETRY),
        (599, Action.RETRY),  # unknown 5xx: transient
        (418, Action.FAIL),  # unknown 4xx: our request is wrong
        (requests.ConnectTimeout(), Action.RETRY),  # subclass inherits RequestException's row
        (requests.exceptions.InvalidURL(), Action.FAIL_CONFIG),
        (ValueError("x"), Action.FAIL),
    ],
)
def test_every_outcome_is_classified_by_the_one_table(
    outcome: int | Exception, action: Action
) -> None:
    assert classify(outcome).action is action


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("2.0") == 2.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:59:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@responses.activate(assert_all_requests_are_fired=True)
def test_a_long_retry_after_is_handed_to_the_job_layer_not_slept_through() -> None:
    sleeps: list[float] = []
    client = HttpClient(API, sleep=sleeps.append, max_retry_after=60)
    responses.get(API + "orders", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as refused:
        client.request("GET", "orders")
    assert refused.value.retry_after == 3600.0
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_a_network_error_is_retried_then_reported_as_retriable() -> None:
    sleeps: list[float] = []
    client = HttpClient(API, sleep=sleeps.append, max_attempts=3)
    responses.get(API + "orders", body=requests.ConnectionError("reset"))
    with pytest.raises(RetriableError):
        client.request("GET", "orders")
    assert len(responses.calls) == 3 and len(sleeps) == 2


@responses.activate(assert_all_requests_are_fired=True)
def test_a_client_error_is_not_retried_and_keeps_the_platform_message() -> None:
    client = HttpClient(API, sleep=lambda s: None)
    body = {"code": "woocommerce_rest_invalid_id", "message": "Invalid ID.", "data": {}}
    responses.get(API + "orders/1", status=404, json=body)
    with pytest.raises(HttpError) as failure:
        client.request("GET", "orders/1")
    assert failure.value.status == 404 and "Invalid ID." in str(failure.value)
    assert len(responses.calls) == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_error_messages_scrub_secrets_and_query_strings() -> None:
    client = HttpClient(API, sleep=lambda s: None, secrets=["s3cr3t-token"])
    responses.get(API + "orders", status=401, body="bad token s3cr3t-token")
    with pytest.raises(FatalConfigurationError) as failure:
        client.request("GET", "orders", params={"consumer_secret": "s3cr3t-token"})
    assert "s3cr3t-token" not in str(failure.value)
    assert "/v1/orders" in str(failure.value)


@responses.activate(assert_all_requests_are_fired=True)
def test_platform_headers_feed_the_budget() -> None:
    clock = [0.0]
    bucket = LocalTokenBucket("shop:rest", RateLimit(capacity=40, rate=2), clock=lambda: clock[0])
    client = HttpClient(API, budget=bucket, feeders=[shopify_call_limit], sleep=lambda s: None)
    responses.get(API + "orders.json", json=[], headers={"X-Shopify-Shop-Api-Call-Limit": "39/40"})
    client.request("GET", "orders.json")
    # Shopify says one call is left, even though our own count says 39: we believe Shopify.
    assert bucket.try_acquire().granted
    refused = bucket.try_acquire()
    assert not refused.granted and refused.wait == pytest.approx(0.5)


def test_graphql_throttle_status_and_amazon_rate_are_observed() -> None:
    bucket = LocalTokenBucket("k", RateLimit(capacity=1000, rate=50), clock=lambda: 0.0)
    graphql = requests.Response()
    graphql._content = (
        b'{"data":{},"extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":10,'
        b'"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":30,"restoreRate":100.0}}}}'
    )
    shopify_graphql_throttle(graphql, bucket)
    assert bucket.try_acquire(30).granted and not bucket.try_acquire(1).granted
    assert bucket.try_acquire(100).wait == pytest.approx(1.0)  # restoreRate 100/s

    amazon = requests.Response()
    amazon.headers["x-amzn-RateLimit-Limit"] = "0.5"
    slow = LocalTokenBucket("k2", RateLimit(capacity=1, rate=20), clock=lambda: 0.0)
    amazon_rate_limit(amazon, slow)
    assert slow.try_acquire().granted
    assert slow.try_acquire().wait == pytest.approx(2.0)


def test_the_local_bucket_refills_at_its_rate_and_never_beyond_capacity() -> None:
    clock = [0.0]
    bucket = LocalTokenBucket("k", RateLimit(capacity=3, rate=1), clock=lambda: clock[0])
    assert [bucket.try_acquire().granted for _ in range(4)] == [True, True, True, False]
    clock[0] = 100.0
    assert [bucket.try_acquire().granted for _ in range(4)] == [True, True, True, False]


@responses.activate(assert_all_requests_are_fired=True)
def test_the_kept_error_body_is_scrubbed_too() -> None:
    client = HttpClient(API, sleep=lambda s: None, secrets=["s3cr3t-token"])
    responses.get(API + "orders/9", status=404, json={"message": "no order for s3cr3t-token"})
    with pytest.raises(HttpError) as failure:
        client.request("GET", "orders/9")
    assert "no order for ***" in failure.value.body


@responses.activate(assert_all_requests_are_fired=True)
def test_every_request_carries_connect_and_read_timeouts() -> None:
    responses.get(API + "orders", json=[])
    HttpClient(API).request("GET", "orders")
    sent = responses.calls[0].request
    assert sent.req_kwargs["timeout"] == (5.0, 30.0)  # type: ignore[attr-defined]


def test_acquire_waits_for_the_bucket_but_refuses_a_wait_longer_than_allowed() -> None:
    clock = [0.0]
    bucket = LocalTokenBucket("k", RateLimit(capacity=1, rate=0.5), clock=lambda: clock[0])
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    acquire(bucket, sleep=sleep)
    acquire(bucket, sleep=sleep)  # empty: waits 2 s for the next token
    assert slept == [pytest.approx(2.0)]
    with pytest.raises(RateLimited) as refused:
        acquire(bucket, max_wait=1.0, sleep=sleep)
    assert refused.value.retry_after == pytest.approx(2.0)


def test_inside_a_run_an_empty_bucket_refuses_with_its_refill_time_instead_of_sleeping() -> None:
    bucket = LocalTokenBucket("k", RateLimit(capacity=1, rate=0.5), clock=lambda: 0.0)
    slept: list[float] = []
    assert acquire(bucket, sleep=slept.append).granted
    with in_process_wait(1.0), pytest.raises(RateLimited) as refused:
        acquire(bucket, sleep=slept.append)
    assert refused.value.retry_after == pytest.approx(2.0)  # one token at 0.5/s
    assert slept == []
    with pytest.raises(RateLimited):  # outside the block the call's own bound is back
        acquire(bucket, sleep=slept.append, max_wait=1.0)


@responses.activate(assert_all_requests_are_fired=True)
def test_inside_a_run_a_short_retry_after_is_handed_back_not_slept_through() -> None:
    sleeps: list[float] = []
    client = HttpClient(API, sleep=sleeps.append, max_retry_after=60)
    responses.get(API + "orders", status=429, headers={"Retry-After": "5"})
    with in_process_wait(1.0), pytest.raises(RateLimited) as refused:
        client.request("GET", "orders")
    assert refused.value.retry_after == 5.0
    assert sleeps == [] and len(responses.calls) == 1
