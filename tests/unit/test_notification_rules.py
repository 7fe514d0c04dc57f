"""The pure rules of notifications: the signature a receiver checks, the bounded backoff,
the error-queue watch, and kinds read from operator input."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.errors import InvalidValue
from hub.domain.notifications import (
    ErrorQueueCheck,
    Kind,
    backoff_seconds,
    check_error_queue,
    parse_kinds,
    sign,
    verify,
)


def test_the_signature_is_githubs_scheme_over_the_raw_body() -> None:
    body = b'{"id":1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sign("k", body) == f"sha256={expected}"
    assert verify("k", body, f"sha256={expected}")
    assert not verify("k", body + b" ", f"sha256={expected}")
    assert not verify("k", body, expected)  # the prefix is part of the value


def test_the_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 60, 3600) for n in range(1, 9)] == [
        60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=40))
def test_the_error_queue_watch_never_notifies_twice_for_one_crossing(counts: list[int]) -> None:
    state, crossings, notices = ErrorQueueCheck(), 0, 0
    above = False
    for count in counts:
        state, reasons = check_error_queue(state, count, threshold=50, growth=0)
        crossed = count > 50 and not above
        above = count > 50
        crossings += crossed
        notices += len(reasons)
        assert state.above is above
    assert notices == crossings == state.notices


def test_growth_is_measured_from_the_low_water_mark() -> None:
    state, reasons = check_error_queue(ErrorQueueCheck(), 10, 0, 5)
    assert reasons == []
    state, reasons = check_error_queue(state, 4, 0, 5)  # fell: the mark follows it down
    state, reasons = check_error_queue(state, 8, 0, 5)
    assert reasons == []
    state, reasons = check_error_queue(state, 9, 0, 5)
    assert reasons == ["9 open errors, grown by 5 (limit 5)"]
    state, reasons = check_error_queue(state, 13, 0, 5)
    assert reasons == []  # grown 4 since the notice


def test_kinds_are_refused_naming_the_field_and_listing_the_known_ones() -> None:
    assert parse_kinds(["stock.low", " order.overdue", "stock.low"]) == [
        Kind.ORDER_OVERDUE, Kind.STOCK_LOW,
    ]  # fmt: skip
    with pytest.raises(InvalidValue) as refused:
        parse_kinds(["stock.lo"])
    assert refused.value.field == "kinds" and "lot.near_expiry" in str(refused.value)
