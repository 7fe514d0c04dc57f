"""OAuth2 refresh-token flows (QuickBooks, Xero, eBay, Amazon LWA), single-flight.

Rotating refresh tokens are the trap: when two workers refresh at once, the platform
accepts the first and revokes the token the second one used, and a refresh token that
was received but not saved is gone for good. So a :class:`TokenStore` refreshes under a
lock (the hub's store locks the connection row), re-reads before calling the token
endpoint, and saves the new pair before anyone uses the new access token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests
from pydantic import SecretStr
from requests import PreparedRequest, Response
from requests.auth import AuthBase

from connectors.errors import FatalConfigurationError, RetriableError
from connectors.toolkit.auth import BasicAuth

EXPIRY_SKEW = timedelta(seconds=60)  # refresh a minute early: clocks and queues drift


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenSet:
    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: datetime  # UTC

    def fresh(self, now: datetime) -> bool:
        return self.access_token.get_secret_value() != "" and now + EXPIRY_SKEW < self.expires_at


Refresh = Callable[[TokenSet], TokenSet]


class TokenStore(Protocol):
    def current(self) -> TokenSet: ...

    def refresh(self, refresh: Refresh, stale: TokenSet) -> TokenSet:
        """Under a lock: if the stored tokens differ from ``stale`` someone else already
        refreshed, return theirs; otherwise call ``refresh``, save, then return."""
        ...


class InMemoryTokenStore:
    """For tests and single-process use: a lock instead of a database row lock."""

    def __init__(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()

    def current(self) -> TokenSet:
        return self._tokens

    def refresh(self, refresh: Refresh, stale: TokenSet) -> TokenSet:
        with self._lock:
            if self._tokens.access_token != stale.access_token:
                return self._tokens
            self._tokens = refresh(self._tokens)
            return self._tokens


@dataclass(frozen=True)
class OAuth2TokenClient:
    """``grant_type=refresh_token`` against a token endpoint. Client credentials go in
    HTTP Basic (eBay, QuickBooks, Xero) or in the form (Amazon LWA)."""

    token_url: str
    client_id: str
    client_secret: SecretStr
    credentials_in_body: bool = False
    scope: str | None = None
    timeout: float = 30.0
    clock: Callable[[], datetime] = utcnow

    def __call__(self, tokens: TokenSet) -> TokenSet:
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        auth: AuthBase | None = None
        if self.credentials_in_body:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        else:
            auth = BasicAuth(self.client_id, self.client_secret)
        if self.scope:
            form["scope"] = self.scope
        data = {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in form.items()}
        try:
            response = requests.post(self.token_url, data=data, auth=auth, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RetriableError(f"token endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code in (400, 401):
            # invalid_grant / invalid_client: the merchant must re-authorize the app.
            error = _error_code(response)
            raise FatalConfigurationError(f"token refresh refused ({error}): re-authorize")
        if response.status_code >= 300:
            raise RetriableError(f"token endpoint answered {response.status_code}")
        body = response.json()
        rotated = body.get("refresh_token")
        return TokenSet(
            access_token=SecretStr(body["access_token"]),
            # Some platforms rotate on every refresh, some never: keep the old one if absent.
            refresh_token=SecretStr(rotated) if rotated else tokens.refresh_token,
            expires_at=self.clock() + timedelta(seconds=int(body.get("expires_in", 3600))),
        )


def _error_code(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", response.status_code))
    except ValueError:
        return str(response.status_code)


class OAuth2RefreshAuth(AuthBase):
    """Puts a fresh access token on every request, refreshing single-flight when due.

    ``header``/``scheme``: ``Authorization: Bearer`` by default; Amazon wants
    ``x-amz-access-token`` with no scheme."""

    def __init__(
        self,
        store: TokenStore,
        refresh: Refresh,
        header: str = "Authorization",
        scheme: str = "Bearer",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.refresh = refresh
        self.header = header
        self.scheme = scheme
        self.clock = clock
        self._last: TokenSet | None = None  # saves a store read per request while fresh

    def token(self) -> TokenSet:
        if self._last is not None and self._last.fresh(self.clock()):
            return self._last
        tokens = self.store.current()
        if not tokens.fresh(self.clock()):
            tokens = self.store.refresh(self.refresh, stale=tokens)
        self._last = tokens
        return tokens

    def ensure_fresh(self, margin: timedelta) -> None:
        """Refresh now if the access token expires within ``margin``: a caller about to
        use the connector inside a database transaction refreshes first, outside it."""
        tokens = self.store.current()
        if not tokens.fresh(self.clock() + margin):
            tokens = self.store.refresh(self.refresh, stale=tokens)
        self._last = tokens

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        self._sign(request, self.token())
        # An access token can be revoked before it expires: refresh once on a 401.
        request.register_hook("response", self._refresh_on_401)  # type: ignore[no-untyped-call]
        return request

    def _sign(self, request: PreparedRequest, tokens: TokenSet) -> None:
        value = tokens.access_token.get_secret_value()
        request.headers[self.header] = f"{self.scheme} {value}" if self.scheme else value

    def _refresh_on_401(self, response: Response, **kwargs: Any) -> Response:
        sent = response.request
        if response.status_code != 401 or getattr(sent, "_hub_refreshed", False):
            return response
        stale = self._last or self.store.current()
        self._last = self.store.refresh(self.refresh, stale=stale)
        response.close()
        retry = sent.copy()
        self._sign(retry, self._last)
        retry._hub_refreshed = True  # type: ignore[attr-defined]
        again: Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def __repr__(self) -> str:
        return f"OAuth2RefreshAuth(header={self.header!r})"
