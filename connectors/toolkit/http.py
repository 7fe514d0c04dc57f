"""The one way connectors make HTTP calls: timeouts, a rate budget, short retries that
honour Retry-After, and every failure classified by the error table into a typed
exception. A connector never writes its own retry loop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from connectors.errors import (
    ERROR_MAPPING,
    Action,
    ConnectorError,
    FatalConfigurationError,
    RateLimited,
    Resolution,
    RetriableError,
    classify,
)
from connectors.toolkit.ratefeeds import Feeder
from connectors.toolkit.ratelimit import RateBudget, acquire, wait_limit
from connectors.toolkit.retry import parse_retry_after, wait_retry_after

log = logging.getLogger("connectors.http")
# Reads a successful-looking response and raises a classified error when its *body*
# says it failed (GraphQL "Throttled" arrives with HTTP 200).
ResponseCheck = Callable[[requests.Response], None]


DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds: a hung platform never hangs a worker


class HttpError(ConnectorError):
    """A non-retriable, non-configuration failure (400, 404, 422 ...)."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        auth: AuthBase | None = None,
        budget: RateBudget | None = None,
        feeders: Sequence[Feeder] = (),
        checks: Sequence[ResponseCheck] = (),
        error_mapping: Mapping[int | type[Exception], Resolution] = ERROR_MAPPING,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        secrets: Iterable[str] = (),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = session or requests.Session()
        self.session.auth = auth
        self.budget = budget
        self.feeders = tuple(feeders)
        self.checks = tuple(checks)
        self.error_mapping = error_mapping
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self._secrets = [s for s in secrets if s]

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """Send with retries; return a successful response or raise a classified error."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_retry_after(),
            retry=retry_if_exception_type(RetriableError) & _short_enough(self.max_retry_after),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._attempt, method, self.url(path_or_url), **kwargs)

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self.request("GET", path_or_url, **kwargs).json()

    def _attempt(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if self.budget is not None:
            acquire(self.budget, sleep=self.sleep)
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            resolution = classify(exc, self.error_mapping)
            log.warning("%s %s failed: %s", method, _safe(url), type(exc).__name__)
            raise self._error(resolution, f"{method} {_safe(url)}: {type(exc).__name__}") from None
        log.debug("%s %s -> %s", method, _safe(url), response.status_code)
        if self.budget is not None:
            for feed in self.feeders:
                feed(response, self.budget)
        for check in self.checks:
            check(response)
        resolution = classify(response.status_code, self.error_mapping)
        if resolution.action in (Action.SUCCESS, Action.IGNORE):
            return response
        detail = self._scrub(response.text[:300])
        message = f"{method} {_safe(url)} -> {response.status_code} {resolution.message}: {detail}"
        raise self._error(resolution, message, response)

    def _error(
        self, resolution: Resolution, message: str, response: requests.Response | None = None
    ) -> ConnectorError:
        if resolution.action is Action.RATE_LIMITED:
            after = (
                parse_retry_after(response.headers.get("Retry-After"))
                if response is not None
                else None
            )
            return RateLimited(message, retry_after=after)
        if resolution.action is Action.RETRY:
            return RetriableError(message)
        if resolution.action is Action.FAIL_CONFIG:
            return FatalConfigurationError(message)
        status = response.status_code if response is not None else None
        body = self._scrub(response.text[:2000]) if response is not None else ""
        return HttpError(message, status, body)

    def _scrub(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, "***")
        return text


def _safe(url: str) -> str:
    """Scheme, host and path only: query strings may carry signatures or keys."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class _short_enough(retry_if_exception_type):
    """Do not sleep in-process for a long Retry-After: hand it to the job layer."""

    def __init__(self, limit: float) -> None:
        super().__init__(RetriableError)
        self.limit = limit

    def __call__(self, retry_state: Any) -> bool:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return exc.retry_after <= wait_limit(self.limit)
        return True
