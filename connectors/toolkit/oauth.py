"""OAuth2 refresh-token flows (QuickBooks, Xero, eBay, Amazon LWA), single-flight.

Rotating refresh tokens are the trap: when two workers refresh at once, the platform
accepts the first and revokes the token the second one used, and a refresh token that
was received but not saved is gone for good. So a :class:`TokenStore` refreshes under a
lock (the hub's store locks the connection row), re-reads before calling the token
endpoint, and saves the new pair before anyone uses the new access token.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

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
        return self._grant(form, tokens.refresh_token, "token refresh refused", "re-authorize")

    def exchange_code(self, code: SecretStr, redirect_uri: str) -> TokenSet:
        """``grant_type=authorization_code`` (RFC 6749 4.1.3): the first token pair."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._grant(
            form,
            SecretStr(""),
            "authorization code refused",
            "check the client id and secret, then authorize again",
        )

    def _grant(
        self, form: dict[str, Any], old_refresh: SecretStr, refused: str, remedy: str
    ) -> TokenSet:
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
            raise FatalConfigurationError(f"{refused} ({error}): {remedy}")
        if response.status_code >= 300:
            raise RetriableError(f"token endpoint answered {response.status_code}")
        body = response.json()
        rotated = body.get("refresh_token")
        return TokenSet(
            access_token=SecretStr(body["access_token"]),
            # Some platforms rotate on every refresh, some never: keep the old one if absent.
            refresh_token=SecretStr(rotated) if rotated else old_refresh,
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


@dataclass(frozen=True)
class OAuthApp:
    """Where a platform's authorization-code flow starts (RFC 6749 4.1): the consent page
    and the scopes to ask for. ``callback_fields`` names query parameters the platform adds
    to the redirect that must agree with a config field (QuickBooks' ``realmId``)."""

    authorize_url: str
    scopes: Sequence[str]
    callback_fields: Mapping[str, str] = dataclass_field(default_factory=dict)

    def authorization_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
        }
        return f"{self.authorize_url}?{urlencode(query)}"


def new_state() -> str:
    """An unguessable, single-use ``state`` (the CSRF guard of the redirect)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Callback:
    """What came back on the redirect: the code, the state, and any other parameters."""

    code: SecretStr
    state: str | None
    params: Mapping[str, str]


def parse_callback(text: str) -> Callback:
    """A pasted redirect URL (or its query string), or a bare code. An ``error`` on the
    redirect (the merchant pressed "deny") is a configuration error naming it."""
    text = text.strip()
    query = urlsplit(text).query if "://" in text else (text if "=" in text else "")
    if not query:
        return Callback(SecretStr(text), None, {})
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "error" in params:
        raise FatalConfigurationError(
            f"authorization refused on the consent page: {params['error']}"
        )
    if not params.get("code"):
        raise FatalConfigurationError("the redirect carries no authorization code")
    code = SecretStr(params.pop("code"))
    return Callback(code, params.pop("state", None), params)
