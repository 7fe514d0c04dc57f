"""Authenticators as ``requests.auth.AuthBase``: a connector picks one, the HTTP client
applies it to every request. Secrets are held as SecretStr so a repr never shows them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr
from requests import PreparedRequest
from requests.auth import AuthBase


class BearerAuth(AuthBase):
    def __init__(self, token: SecretStr, header: str = "Authorization", scheme: str = "Bearer"):
        self.token = token
        self.header = header
        self.scheme = scheme

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        value = self.token.get_secret_value()
        request.headers[self.header] = f"{self.scheme} {value}" if self.scheme else value
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(header={self.header!r})"


class ApiKeyHeaderAuth(BearerAuth):
    """A key in its own header, e.g. ``X-Shopify-Access-Token: <token>``."""

    def __init__(self, header: str, key: SecretStr) -> None:
        super().__init__(key, header=header, scheme="")


class BasicAuth(AuthBase):
    def __init__(self, username: str, password: SecretStr) -> None:
        self.username = username
        self.password = password

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        pair = f"{self.username}:{self.password.get_secret_value()}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return request

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r})"


def _enc(value: str) -> str:
    # RFC 3986 percent-encoding (PHP rawurlencode), as OAuth 1.0a requires.
    return quote(value, safe="~-._")


class OAuth1Auth(AuthBase):
    """One-legged OAuth 1.0a with query-string parameters (WooCommerce over plain HTTP).

    The signature covers method, URL without query, and every query + oauth_ parameter
    sorted by encoded key; the key is ``consumer_secret&`` (no token secret)."""

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: SecretStr,
        method: str = "HMAC-SHA1",
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise ValueError(f"unsupported OAuth signature method {method!r}")
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.method = method
        self.clock = clock
        self.nonce = nonce

    @staticmethod
    def base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
        pairs = sorted((_enc(k), _enc(v)) for k, v in params)
        param_string = "&".join(f"{k}={v}" for k, v in pairs)
        return "&".join([method.upper(), _enc(url), _enc(param_string)])

    def signature(self, method: str, url: str, params: list[tuple[str, str]]) -> str:
        base = self.base_string(method, url, params)
        key = f"{_enc(self.consumer_secret.get_secret_value())}&".encode()
        digest = hashlib.sha1 if self.method == "HMAC-SHA1" else hashlib.sha256
        return base64.b64encode(hmac.new(key, base.encode(), digest).digest()).decode()

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        assert request.url is not None and request.method is not None
        parts = urlsplit(request.url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        params += [
            ("oauth_consumer_key", self.consumer_key),
            ("oauth_nonce", self.nonce()),
            ("oauth_signature_method", self.method),
            ("oauth_timestamp", str(int(self.clock()))),
        ]
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        params.append(("oauth_signature", self.signature(request.method, bare, params)))
        request.url = urlunsplit(
            (parts.scheme, parts.netloc, parts.path, urlencode(params, quote_via=quote), "")
        )
        return request

    def __repr__(self) -> str:
        return f"OAuth1Auth(consumer_key={self.consumer_key!r}, method={self.method!r})"
