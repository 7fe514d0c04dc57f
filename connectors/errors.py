"""Errors as data: one table from HTTP status / exception to what the hub does about it.

Modelled on airbyte-cdk's DEFAULT_ERROR_MAPPING. A connector that needs a different
answer for one status (a 404 that means "gone, skip it") overrides the entry in its own
copy of the table (``ERROR_MAPPING | {404: ...}``) instead of writing its own handling.
Re-exported by :mod:`connectors.base`; kept apart so that module stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import requests


class Action(StrEnum):
    SUCCESS = "success"
    RETRY = "retry"  # transient: retry shortly, then let the job retry with backoff
    RATE_LIMITED = "rate_limited"  # retry after the platform's Retry-After
    FAIL_CONFIG = "fail_config"  # credentials / permissions / URL: a person must act
    SKIP_RECORD = "skip_record"  # this record only; the batch goes on
    FAIL = "fail"  # a bug on our side or theirs: stop and report
    IGNORE = "ignore"  # expected and harmless (e.g. deleting what is already gone)


@dataclass(frozen=True)
class Resolution:
    action: Action
    message: str


class ConnectorError(Exception):
    """Base of everything a connector raises on purpose."""


class RetriableError(ConnectorError):
    """Network trouble, 5xx, timeouts: trying again later is expected to work."""


class RateLimited(RetriableError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalConfigurationError(ConnectorError):
    """Bad credentials, missing permission, wrong URL: retrying cannot help."""


class UnsupportedCapability(FatalConfigurationError):
    pass


class PaginationLoop(ConnectorError):
    """The platform handed back a page we already read: stop instead of spinning."""


class WebhookRejected(ConnectorError):
    """A webhook whose signature does not verify (or is missing)."""


class SkippableRecordError(ConnectorError):
    """One record is unusable; it goes to the error queue and the batch goes on."""

    def __init__(self, record_id: str, field: str, reason: str, payload: object = None) -> None:
        super().__init__(f"record {record_id}: field {field!r}: {reason}")
        self.record_id = record_id
        self.field = field
        self.reason = reason
        self.payload = payload


class DocumentRejected(ConnectorError):
    """The books refused one document (validation): it is held for a person, the batch
    goes on. Accounting connectors raise it instead of a bare HTTP error."""


class PeriodClosed(DocumentRejected):
    """The document's date is in a period the books have closed (QuickBooks 5010
    "Account Period Closed", Xero lock date)."""


def _r(action: Action, message: str) -> Resolution:
    return Resolution(action, message)


ERROR_MAPPING: Mapping[int | type[Exception], Resolution] = {
    requests.exceptions.InvalidURL: _r(Action.FAIL_CONFIG, "invalid URL"),
    requests.exceptions.InvalidSchema: _r(Action.FAIL_CONFIG, "invalid URL scheme"),
    requests.exceptions.MissingSchema: _r(Action.FAIL_CONFIG, "URL without scheme"),
    requests.exceptions.SSLError: _r(Action.FAIL_CONFIG, "TLS verification failed"),
    requests.exceptions.RequestException: _r(Action.RETRY, "network error"),
    400: _r(Action.FAIL, "bad request"),
    401: _r(Action.FAIL_CONFIG, "unauthorized: check the credentials"),
    403: _r(Action.FAIL_CONFIG, "forbidden: the credentials lack a permission"),
    404: _r(Action.FAIL, "not found"),
    405: _r(Action.FAIL, "method not allowed"),
    408: _r(Action.RETRY, "request timeout"),
    409: _r(Action.RETRY, "conflict"),
    422: _r(Action.FAIL, "unprocessable request"),
    429: _r(Action.RATE_LIMITED, "too many requests"),
    500: _r(Action.RETRY, "server error"),
    502: _r(Action.RETRY, "bad gateway"),
    503: _r(Action.RETRY, "service unavailable"),
    504: _r(Action.RETRY, "gateway timeout"),
}

_UNKNOWN_SERVER = _r(Action.RETRY, "server error")
_UNKNOWN_CLIENT = _r(Action.FAIL, "client error")
_SUCCESS = _r(Action.SUCCESS, "ok")


def classify(
    outcome: int | BaseException,
    mapping: Mapping[int | type[Exception], Resolution] = ERROR_MAPPING,
) -> Resolution:
    """The one place that decides: look the status (or the exception's class, walking
    its MRO so subclasses inherit their parent's entry) up in the table."""
    if isinstance(outcome, BaseException):
        for cls in type(outcome).__mro__:
            if cls in mapping:
                return mapping[cls]
        return _r(Action.FAIL, f"unexpected {type(outcome).__name__}")
    if outcome in mapping:
        return mapping[outcome]
    if outcome < 400:
        return _SUCCESS
    return _UNKNOWN_SERVER if outcome >= 500 else _UNKNOWN_CLIENT
