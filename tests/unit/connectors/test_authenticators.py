"""Authenticators sign requests as the platforms document, and never show secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr
from responses import matchers

from connectors.base import ConnectorConfig, FatalConfigurationError, secret
from connectors.toolkit import (
    ApiKeyHeaderAuth,
    BasicAuth,
    BearerAuth,
    ConnectorContext,
    InMemoryTokenStore,
    NextTokenPaginator,
    OAuth1Auth,
    OAuth2RefreshAuth,
    OAuth2TokenClient,
    RestStorefrontConnector,
    Stream,
    TokenSet,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
TOKEN_URL = "https://api.amazon.com/auth/o2/token"


def prepared(url: str, auth: requests.auth.AuthBase) -> requests.PreparedRequest:
    return requests.Request("GET", url, auth=auth).prepare()


def test_header_authenticators_set_their_header_and_hide_the_secret() -> None:
    assert prepared("https://x/", BearerAuth(SecretStr("t0k"))).headers["Authorization"] == (
        "Bearer t0k"
    )
    shopify = ApiKeyHeaderAuth("X-Shopify-Access-Token", SecretStr("shpat_1"))
    assert prepared("https://x/", shopify).headers["X-Shopify-Access-Token"] == "shpat_1"
    basic = BasicAuth("ck_1", SecretStr("cs_2"))
    expected = "Basic " + base64.b64encode(b"ck_1:cs_2").decode()
    assert prepared("https://x/", basic).headers["Authorization"] == expected
    assert "cs_2" not in repr(basic) and "t0k" not in repr(BearerAuth(SecretStr("t0k")))


def test_oauth1_base_string_matches_the_woocommerce_docs_example() -> None:
    base = OAuth1Auth.base_string(
        "GET",
        "http://www.example.com/wp-json/wc/v3/orders",
        [("oauth_signature_method", "HMAC-SHA1"), ("oauth_consumer_key", "abc123")],
    )
    assert base == (
        "GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders"
        "&oauth_consumer_key%3Dabc123%26oauth_signature_method%3DHMAC-SHA1"
    )


def test_oauth1_signs_query_and_oauth_parameters_with_the_consumer_secret() -> None:
    auth = OAuth1Auth(
        "ck_abc", SecretStr("cs_xyz"), clock=lambda: 1_700_000_000, nonce=lambda: "n0nce"
    )
    request = prepared("http://shop.example.com/wp-json/wc/v3/orders?per_page=100&page=2", auth)
    query = dict(parse_qsl(urlsplit(request.url or "").query))
    assert query["oauth_consumer_key"] == "ck_abc" and query["oauth_timestamp"] == "1700000000"
    assert "oauth_version" not in query  # the docs: "should be omitted"
    base = (
        "GET&http%3A%2F%2Fshop.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&"
        "oauth_consumer_key%3Dck_abc%26oauth_nonce%3Dn0nce%26oauth_signature_method%3DHMAC-SHA1"
        "%26oauth_timestamp%3D1700000000%26page%3D2%26per_page%3D100"
    )
    digest = hmac.new(b"cs_xyz&", base.encode(), hashlib.sha1).digest()
    assert query["oauth_signature"] == base64.b64encode(digest).decode()
    assert "cs_xyz" not in (request.url or "")


def tokens(access: str, refresh: str, expires_in: int) -> TokenSet:
    return TokenSet(SecretStr(access), SecretStr(refresh), NOW + timedelta(seconds=expires_in))


@responses.activate(assert_all_requests_are_fired=True)
def test_lwa_refresh_rotates_tokens_and_sets_the_amazon_header() -> None:
    responses.post(
        TOKEN_URL,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "Atzr|old",
                    "client_id": "amzn1.app",
                    "client_secret": "shh",
                }
            )
        ],
        json={"access_token": "Atza|new", "refresh_token": "Atzr|rotated", "expires_in": 3600},
    )
    store = InMemoryTokenStore(tokens("Atza|old", "Atzr|old", expires_in=-1))
    client = OAuth2TokenClient(
        TOKEN_URL, "amzn1.app", SecretStr("shh"), credentials_in_body=True, clock=lambda: NOW
    )
    auth = OAuth2RefreshAuth(
        store, client, header="x-amz-access-token", scheme="", clock=lambda: NOW
    )
    request = prepared("https://sellingpartnerapi-na.amazon.com/orders/v0/orders", auth)
    assert request.headers["x-amz-access-token"] == "Atza|new"
    assert store.current().refresh_token.get_secret_value() == "Atzr|rotated"
    # Fresh now: the next request does not call the token endpoint again.
    prepared("https://sellingpartnerapi-na.amazon.com/orders/v0/orders", auth)
    assert len(responses.calls) == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_a_refused_refresh_is_a_configuration_error_that_names_no_secret() -> None:
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    client = OAuth2TokenClient(TOKEN_URL, "app", SecretStr("client-secret-1"))
    with pytest.raises(FatalConfigurationError) as refused:
        client(tokens("a", "refresh-secret-2", expires_in=-1))
    assert "invalid_grant" in str(refused.value)
    assert "secret-1" not in str(refused.value) and "secret-2" not in str(refused.value)


@responses.activate(assert_all_requests_are_fired=True)
def test_threads_refreshing_at_once_call_the_token_endpoint_once() -> None:
    responses.post(TOKEN_URL, json={"access_token": "new", "expires_in": 3600})
    store = InMemoryTokenStore(tokens("old", "r1", expires_in=-1))
    client = OAuth2TokenClient(TOKEN_URL, "app", SecretStr("s"), clock=lambda: NOW)
    auth = OAuth2RefreshAuth(store, client, clock=lambda: NOW)
    start = threading.Barrier(8)
    seen: list[str] = []

    def worker() -> None:
        start.wait()
        seen.append(auth.token().access_token.get_secret_value())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["new"] * 8
    assert len(responses.calls) == 1
    # The platform sent no new refresh token: the old one is kept, not lost.
    assert store.current().refresh_token.get_secret_value() == "r1"


API_URL = "https://quickbooks.api.intuit.com/v3/company/9130/query"


@responses.activate(assert_all_requests_are_fired=True)
def test_a_revoked_access_token_is_refreshed_once_on_401_and_the_call_replayed() -> None:
    store = InMemoryTokenStore(tokens("revoked", "r1", expires_in=3600))
    client = OAuth2TokenClient(TOKEN_URL, "app", SecretStr("s"), clock=lambda: NOW)
    responses.post(TOKEN_URL, json={"access_token": "renewed", "refresh_token": "r2"})
    responses.get(
        API_URL, status=401, match=[matchers.header_matcher({"Authorization": "Bearer revoked"})]
    )
    responses.get(
        API_URL,
        json={"QueryResponse": {}},
        match=[matchers.header_matcher({"Authorization": "Bearer renewed"})],
    )
    session = requests.Session()
    session.auth = OAuth2RefreshAuth(store, client, clock=lambda: NOW)
    answer = session.get(API_URL)
    assert answer.status_code == 200 and [r.status_code for r in answer.history] == [401]
    assert store.current().refresh_token.get_secret_value() == "r2"


@responses.activate(assert_all_requests_are_fired=True)
def test_a_second_401_after_refreshing_is_returned_not_looped() -> None:
    store = InMemoryTokenStore(tokens("revoked", "r1", expires_in=3600))
    client = OAuth2TokenClient(TOKEN_URL, "app", SecretStr("s"), clock=lambda: NOW)
    responses.post(TOKEN_URL, json={"access_token": "renewed"})
    responses.get(API_URL, status=401)
    session = requests.Session()
    session.auth = OAuth2RefreshAuth(store, client, clock=lambda: NOW)
    assert session.get(API_URL).status_code == 401
    assert len(responses.calls) == 3  # call, refresh, one replay: then it stops


class LwaConfig(ConnectorConfig):
    client_id: str
    client_secret: SecretStr = secret("LWA client secret")


class LwaShop(RestStorefrontConnector[LwaConfig]):
    """An Amazon-style connector: LWA tokens in the x-amz-access-token header."""

    name = "lwa_shop"
    config_model = LwaConfig
    orders = Stream("orders/v0/orders", NextTokenPaginator(), records_path=("payload", "Orders"))

    def base_url(self) -> str:
        return "https://sellingpartnerapi-na.amazon.com/"

    def authenticator(self) -> requests.auth.AuthBase:
        client = OAuth2TokenClient(
            TOKEN_URL, self.config.client_id, self.config.client_secret, credentials_in_body=True
        )
        return self.oauth2(client, header="x-amz-access-token", scheme="")


def test_an_oauth2_connector_takes_its_tokens_from_the_connection_store() -> None:
    config = LwaConfig(client_id="amzn1.app", client_secret=SecretStr("shh"))
    with pytest.raises(FatalConfigurationError, match="token store"):
        LwaShop(config)
    store = InMemoryTokenStore(tokens("Atza|live", "Atzr|1", expires_in=10**9))
    shop = LwaShop(config, ConnectorContext(token_store=store))
    request = requests.Request("GET", shop.http.url("orders/v0/orders")).prepare()
    auth = shop.http.session.auth
    assert isinstance(auth, requests.auth.AuthBase)
    assert auth(request).headers["x-amz-access-token"] == "Atza|live"
