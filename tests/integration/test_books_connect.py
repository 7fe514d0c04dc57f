"""Connecting the books as a finance team does, from the CLI and the API: a Beancount
ledger path, QuickBooks and Xero by OAuth2 (authorization URL, pasted redirect or the
127.0.0.1 listener, code exchanged at the documented token endpoint, the chart read
back). The platforms are mocked at the HTTP edge with `responses`, their bodies checked
against the official QBO XSDs and the Xero OpenAPI document in ../shared/specs. Wrong
credentials store nothing; no secret reaches the output, the log or the database."""

from __future__ import annotations

import io
import json
import logging
import threading
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from connectors.accounting.jsonbody import dumps
from hub.api.app import create_app
from hub.bootstrap import Hub, use_hub
from hub.cli import run
from hub.cli.books import wait_for_callback
from hub.config import Settings
from hub.db.tables_connections import books_authorizations, connections
from hub.db.tables_mapping import accounting_connections
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.services import books_connections, catalog, tokens
from hub.services.tokens import Role
from tests.conftest import Database
from tests.contract.quickbooks_xsd import check_entity
from tests.contract.xero_spec import SERVER as XERO
from tests.contract.xero_spec import check_request, validate_schema
from tests.integration.books_setup import paid_order, setup_books

QBO_TOKEN = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
XERO_TOKEN = "https://identity.xero.com/connect/token"
QBO_SANDBOX = "https://sandbox-quickbooks.api.intuit.com/v3/company/9130355"
CLIENT_SECRET = "cs-very-secret-4711"
ACCESS = "eyJ-access-token-abcdef"
REFRESH = "AB11-refresh-token-xyz"
CODE = "AB11-authorization-code-qq"
REDIRECT = "http://127.0.0.1:8765/callback"

# Intuit's token response (developer.intuit.com, "Exchange the authorization code for
# access tokens"); Xero's (developer.xero.com, "Exchange the code").
QBO_TOKENS = {
    "token_type": "bearer",
    "expires_in": 3600,
    "refresh_token": REFRESH,
    "x_refresh_token_expires_in": 8726400,
    "access_token": ACCESS,
}
XERO_TOKENS = {
    "access_token": ACCESS,
    "expires_in": 1800,
    "token_type": "Bearer",
    "refresh_token": REFRESH,
    "scope": "offline_access accounting.transactions accounting.settings.read",
}
QBO_ACCOUNTS = [
    {"Id": "1", "Name": "Sales", "AccountType": "Income", "Active": True, "SyncToken": "0"},
    {"Id": "35", "Name": "Checking", "AccountType": "Bank", "Active": True, "SyncToken": "0"},
    {"Id": "33", "Name": "Clearing", "AccountType": "Other Current Asset", "SyncToken": "0"},
]
QBO_TAX_CODES = [{"Id": "TAX", "Name": "TAX", "Taxable": True, "SyncToken": "0"}]
XERO_ACCOUNTS = {
    "Accounts": [
        {"AccountID": str(uuid.UUID(int=i)), "Code": code, "Name": name, "Type": kind}
        for i, (code, name, kind) in enumerate(
            [("200", "Sales", "REVENUE"), ("090", "Bank", "BANK"), ("820", "VAT", "CURRLIAB")]
        )
    ]
}
XERO_TAX_RATES = {"TaxRates": [{"Name": "20% VAT on Income", "TaxType": "OUTPUT2"}]}


@dataclass
class Setup:
    db: Database
    hub: Hub
    slug: str
    tenant_id: int

    def cli(self, *args: str) -> int:
        return run([*args, "--tenant", self.slug])


@pytest.fixture
def setup(db: Database) -> Iterator[Setup]:
    created = catalog.create_tenant(db.uow(), f"t-{uuid.uuid4().hex[:10]}", "Books tenant")
    assert created.id is not None
    hub = Hub(Settings(database_url=db.url))
    use_hub(hub)
    yield Setup(db, hub, created.slug, created.id)
    hub.close()
    use_hub(None)


def _rows(s: Setup) -> dict[str, list[Any]]:
    with s.db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(t).where(t.c.tenant_id == s.tenant_id)).all()
            for t in (accounting_connections, connections, books_authorizations)
        }


def _qbo_chart() -> None:
    for entity in QBO_ACCOUNTS:
        check_entity("Account", entity)
    for entity in QBO_TAX_CODES:
        check_entity("TaxCode", entity)

    def query(request: Any) -> tuple[int, dict[str, str], str]:
        statement = parse_qs(urlsplit(request.url).query)["query"][0]
        assert request.headers["Authorization"] == f"Bearer {ACCESS}"
        entity = statement.split()[3]  # select * from <Entity> ...
        rows = {"Account": QBO_ACCOUNTS, "TaxCode": QBO_TAX_CODES}[entity]
        return 200, {}, dumps({"QueryResponse": {entity: rows}, "time": "2026-12-04"})

    responses.add_callback(responses.GET, f"{QBO_SANDBOX}/query", callback=query)


def _xero_chart() -> None:
    validate_schema("Accounts", XERO_ACCOUNTS)
    validate_schema("TaxRates", XERO_TAX_RATES)

    def answer(body: dict[str, Any]) -> Callable[[Any], tuple[int, dict[str, str], str]]:
        def reply(request: Any) -> tuple[int, dict[str, str], str]:
            check_request(request.method, request.url, request.headers, None)
            assert request.headers["xero-tenant-id"] == "tenant-7"
            assert request.headers["Authorization"] == f"Bearer {ACCESS}"
            return 200, {}, json.dumps(body)

        return reply

    responses.add_callback(responses.GET, f"{XERO}/Accounts", callback=answer(XERO_ACCOUNTS))
    responses.add_callback(responses.GET, f"{XERO}/TaxRates", callback=answer(XERO_TAX_RATES))


def _token_endpoint(url: str, body: dict[str, Any], status: int = 200) -> list[dict[str, Any]]:
    """The code exchange as RFC 6749 4.1.3 and both platforms' docs describe it."""
    seen: list[dict[str, Any]] = []

    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        seen.append(form)
        assert request.headers["Authorization"].startswith("Basic ")
        assert form["grant_type"] == "authorization_code"
        assert form["code"] == CODE and form["redirect_uri"] == REDIRECT
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    responses.add_callback(responses.POST, url, callback=reply)
    return seen


def _secret_file(tmp_path: Path) -> str:
    path = tmp_path / "client_secret"
    path.write_text(CLIENT_SECRET + "\n")
    return str(path)


def _no_secret_in(*texts: str) -> None:
    for text in texts:
        for secret in (CLIENT_SECRET, ACCESS, REFRESH, CODE):
            assert secret not in text


def _paste(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(url + "\n"))


def _state(err: str) -> str:
    url = next(line for line in err.splitlines() if line.startswith("https://"))
    return parse_qs(urlsplit(url).query)["state"][0]


@responses.activate(assert_all_requests_are_fired=True)
def test_quickbooks_connects_from_the_cli_with_a_pasted_redirect_and_test_reads_the_chart(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = _token_endpoint(QBO_TOKEN, QBO_TOKENS)
    _qbo_chart()
    # The state is only known once the URL is printed: paste a redirect that echoes it.
    pasted: dict[str, str] = {}

    class Redirect(io.StringIO):
        def readline(self, *args: Any) -> str:
            state = _state(capsys.readouterr().err)
            pasted["state"] = state
            return f"{REDIRECT}?code={CODE}&state={state}&realmId=9130355\n"

    monkeypatch.setattr("sys.stdin", Redirect())
    status = setup.cli(
        "books", "connect", "quickbooks", "qbo", "--realm-id", "9130355",
        "--environment", "sandbox", "--client-id", "ABclient",
        "--client-secret-file", _secret_file(tmp_path), "--paste", "--json",
    )  # fmt: skip
    out = capsys.readouterr()
    assert status == 0, out.err
    result = json.loads(out.out)
    assert result["check"] == {"accounts": 3, "tax_codes": 1}
    assert result["connection"]["settings"]["realm_id"] == "9130355"
    assert result["connection"]["secret_fields"] == ["client_secret"]
    assert len(seen) == 1 and pasted["state"]
    rows = _rows(setup)
    assert rows["books_authorizations"] == []  # the state was single use
    (link,) = rows["connections"]
    assert link.connector == "quickbooks" and link.settings["environment"] == "sandbox"
    (books,) = rows["accounting_connections"]
    assert books.settings == {"connection_id": link.id}
    _no_secret_in(out.out, out.err, caplog.text, repr(rows))
    # `hub books test` opens the stored connection: the sealed tokens, no new exchange.
    assert setup.cli("books", "test", "qbo", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "connection": "qbo",
        "accounts": 3,
        "tax_codes": 1,
    }
    assert len(seen) == 1


@responses.activate(assert_all_requests_are_fired=True)
def test_a_refused_code_names_the_connection_and_stores_nothing(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _token_endpoint(QBO_TOKEN, {"error": "invalid_client"}, status=401)

    class Redirect(io.StringIO):
        def readline(self, *args: Any) -> str:
            state = _state(capsys.readouterr().err)
            return f"{REDIRECT}?code={CODE}&state={state}&realmId=9130355\n"

    monkeypatch.setattr("sys.stdin", Redirect())
    status = setup.cli(
        "books", "connect", "quickbooks", "qbo", "--realm-id", "9130355",
        "--environment", "sandbox", "--client-id", "ABclient",
        "--client-secret-file", _secret_file(tmp_path), "--paste",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert "books connection 'qbo'" in last and "invalid_client" in last
    assert all(rows == [] for rows in _rows(setup).values())
    _no_secret_in(err)


def test_an_expired_authorization_is_refused_and_swept_by_the_next_connect(
    setup: Setup,
) -> None:
    def start() -> books_connections.Authorization:
        started = books_connections.start_connect(
            lambda: setup.db.uow(setup.tenant_id),
            setup.hub.secret_box,
            setup.hub.connectors,
            name="qbo",
            system="quickbooks",
            values={"realm_id": "1", "client_id": "c", "client_secret": CLIENT_SECRET},
            redirect_uri=REDIRECT,
        )
        assert isinstance(started, books_connections.Authorization)
        return started

    def expire() -> None:
        past = utcnow() - books_connections.AUTHORIZATION_TTL
        with setup.db.engine.begin() as conn:
            conn.execute(update(books_authorizations).values(expires_at=past))

    old = start()
    expire()
    with pytest.raises(InvalidValue, match="expired"):
        books_connections.complete_authorization(
            lambda: setup.db.uow(setup.tenant_id),
            setup.hub.secret_box,
            setup.hub.connectors,
            f"{REDIRECT}?code={CODE}&state={old.state}",
        )
    assert all(rows == [] for rows in _rows(setup).values())  # consumed, nothing stored
    start()
    expire()
    fresh = start()
    (left,) = _rows(setup)["books_authorizations"]  # the expired one was swept
    assert left.expires_at > utcnow() and fresh.expires_at > utcnow()


def test_a_redirect_for_another_company_than_the_realm_given_is_refused(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Redirect(io.StringIO):
        def readline(self, *args: Any) -> str:
            state = _state(capsys.readouterr().err)
            return f"{REDIRECT}?code={CODE}&state={state}&realmId=555\n"

    monkeypatch.setattr("sys.stdin", Redirect())
    status = setup.cli(
        "books", "connect", "quickbooks", "qbo", "--realm-id", "9130355",
        "--client-id", "ABclient", "--client-secret-file", _secret_file(tmp_path), "--paste",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1 and "realm_id" in err and "realmId=555" in err
    assert all(rows == [] for rows in _rows(setup).values())


def test_beancount_connects_at_once_then_tests_lists_and_disconnects(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "books.beancount"
    ledger.write_text("2026-01-01 open Assets:Bank\n2026-01-01 open Income:Sales\n")
    assert setup.cli("books", "connect", "beancount", "books", "--ledger", str(ledger)) == 0
    assert "2 accounts" in capsys.readouterr().out
    assert setup.cli("books", "test", "books", "--json") == 0
    assert json.loads(capsys.readouterr().out)["accounts"] == 2
    assert setup.cli("books", "list", "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["connected"] and listed["settings"]["ledger_path"] == str(ledger)
    assert setup.cli("books", "disconnect", "books") == 0
    capsys.readouterr()
    assert setup.cli("books", "list", "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["connected"] is False and _rows(setup)["connections"] == []
    assert setup.cli("books", "test", "books") == 1
    assert "books" in capsys.readouterr().err


def test_a_ledger_in_a_missing_folder_is_refused_naming_the_connection(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "gone" / "books.beancount"
    assert setup.cli("books", "connect", "beancount", "books", "--ledger", str(ledger)) == 1
    err = capsys.readouterr().err
    assert "books connection 'books'" in err and "does not exist" in err
    assert all(rows == [] for rows in _rows(setup).values())


def test_the_local_listener_returns_the_redirect_and_answers_the_browser() -> None:
    got: list[str] = []
    waiter = threading.Thread(
        target=lambda: got.append(wait_for_callback("http://127.0.0.1:8799/callback", 20))
    )
    waiter.start()
    body = b""
    for _ in range(100):  # the listener binds in the thread: retry until it answers
        try:
            url = "http://127.0.0.1:8799/callback?code=abc&state=s1&realmId=42"
            with urllib.request.urlopen(url, timeout=2) as answer:
                body = answer.read()
            break
        except OSError:
            threading.Event().wait(0.05)
    waiter.join(30)
    assert b"received the authorization" in body
    assert got == ["http://127.0.0.1:8799/callback?code=abc&state=s1&realmId=42"]


def _client(s: Setup, role: Role) -> tuple[TestClient, dict[str, str]]:
    with s.db.uow(s.tenant_id) as uow:
        token = tokens.create_token(uow.session, s.tenant_id, f"fin-{role.value}", role.value)
        uow.commit()
    return TestClient(create_app(s.hub)), {"Authorization": f"Bearer {token}"}


@responses.activate(assert_all_requests_are_fired=True)
def test_xero_connects_over_the_api_for_the_finance_role_and_never_returns_a_secret(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = _token_endpoint(XERO_TOKEN, XERO_TOKENS)
    _xero_chart()
    client, finance = _client(setup, Role.FINANCE)
    body = {
        "name": "xero",
        "system": "xero",
        "redirect_uri": REDIRECT,
        "values": {
            "xero_tenant_id": "tenant-7",
            "client_id": "XEROCLIENT",
            "client_secret": CLIENT_SECRET,
        },
    }
    _, operations = _client(setup, Role.OPERATIONS)
    refused = client.post("/api/v1/books/connections", json=body, headers=operations)
    assert refused.status_code == 403
    started = client.post("/api/v1/books/connections", json=body, headers=finance)
    assert started.status_code == 202, started.text
    url = urlsplit(started.json()["authorization_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://login.xero.com/identity/connect/authorize"
    )
    assert query["response_type"] == "code" and query["client_id"] == "XEROCLIENT"
    assert "offline_access" in query["scope"].split() and query["redirect_uri"] == REDIRECT
    redirect = f"{REDIRECT}?code={CODE}&state={query['state']}"
    done = client.post(
        "/api/v1/books/authorizations", json={"redirect_url": redirect}, headers=finance
    )
    assert done.status_code == 201, done.text
    assert done.json()["check"] == {"accounts": 3, "tax_codes": 1}
    assert len(seen) == 1
    again = client.post(
        "/api/v1/books/authorizations", json={"redirect_url": redirect}, headers=finance
    )
    assert again.status_code == 404  # single use
    listed = client.get("/api/v1/books/connections", headers=finance)
    (item,) = listed.json()["items"]
    assert item["settings"]["xero_tenant_id"] == "tenant-7" and item["authorized"]
    tested = client.post("/api/v1/books/connections/xero/test", headers=finance)
    assert tested.json() == {"name": "xero", "accounts": 3, "tax_codes": 1}
    _no_secret_in(started.text, done.text, listed.text, tested.text, caplog.text)
    _no_secret_in(repr(_rows(setup)))
    gone = client.delete("/api/v1/books/connections/xero", headers=finance)
    assert gone.status_code == 200 and _rows(setup)["connections"] == []


def test_an_unknown_system_and_a_bad_setting_are_422_naming_the_field(setup: Setup) -> None:
    client, finance = _client(setup, Role.FINANCE)
    unknown = client.post(
        "/api/v1/books/connections",
        json={"name": "b", "system": "sage", "values": {}},
        headers=finance,
    )
    assert unknown.status_code == 422 and "system" in unknown.text
    missing = client.post(
        "/api/v1/books/connections",
        json={"name": "b", "system": "quickbooks", "redirect_uri": REDIRECT,
              "values": {"client_id": "x", "client_secret": CLIENT_SECRET}},
        headers=finance,
    )  # fmt: skip
    assert missing.status_code == 422 and "realm_id" in missing.text
    _no_secret_in(missing.text)
    assert all(rows == [] for rows in _rows(setup).values())


@responses.activate(assert_all_requests_are_fired=True)
def test_the_finance_role_connects_beancount_and_xero_on_the_dashboard(
    setup: Setup, tmp_path: Path
) -> None:
    seen = _token_endpoint(XERO_TOKEN, XERO_TOKENS)
    _xero_chart()
    client, finance = _client(setup, Role.FINANCE)
    client.cookies.set("hub_token", finance["Authorization"].split()[1])
    ledger = tmp_path / "main.beancount"
    page = client.post(
        "/dashboard/books/connect",
        data={"system": "beancount", "name": "ledger", "ledger_path": str(ledger)},
    )
    assert page.status_code == 200 and "ledger connected: 0 accounts" in page.text
    assert ledger.exists() is False  # created on the first post, checked writable now
    started = client.post(
        "/dashboard/books/connect",
        data={
            "system": "xero",
            "name": "xero",
            "xero_tenant_id": "tenant-7",
            "client_id": "XEROCLIENT",
            "client_secret": CLIENT_SECRET,
            "redirect_uri": REDIRECT,
        },
        follow_redirects=False,
    )
    assert started.status_code == 303
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    client.cookies.clear()  # the books' redirect is cross-site: no SameSite=Strict cookie
    landing = client.get(f"/dashboard/books/callback?code={CODE}&state={state}")
    assert landing.status_code == 200 and "Finish connecting" in landing.text
    client.cookies.set("hub_token", finance["Authorization"].split()[1])
    redirect = f"http://testserver/dashboard/books/callback?code={CODE}&state={state}"
    done = client.post("/dashboard/books/callback", data={"redirect_url": redirect})
    assert "xero connected: 3 accounts, 1 tax codes" in done.text, done.text
    assert len(seen) == 1 and seen[0]["redirect_uri"] == REDIRECT
    _no_secret_in(done.text, client.get("/dashboard/books").text)
    _, viewer = _client(setup, Role.VIEWER)
    client.cookies.set("hub_token", viewer["Authorization"].split()[1])
    assert client.get("/dashboard/books").status_code == 403


def test_connecting_the_ledger_is_all_hub_books_post_needed(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's path: a connection made by `hub mapping accounting connect` (chart,
    taxes, policy) had no ledger, and posting failed until the row was edited by SQL."""

    def uow() -> Any:
        return setup.db.uow(setup.tenant_id)

    setup_books(uow, {})
    paid_order(uow, "1001")
    assert setup.cli("books", "post", "--connection", "books") == 1
    assert "ledger_path" in capsys.readouterr().err
    ledger = tmp_path / "books.beancount"
    assert setup.cli("books", "connect", "beancount", "books", "--ledger", str(ledger)) == 0
    (books,) = _rows(setup)["accounting_connections"]
    assert set(books.settings) == {"connection_id"}
    capsys.readouterr()
    assert setup.cli("books", "post", "--connection", "books", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["posting"]["posted"]) == 1
    assert 'hub_id: "shop:order:1001"' in ledger.read_text()


@responses.activate(assert_all_requests_are_fired=True)
def test_short_lived_tokens_are_refreshed_and_the_rotated_refresh_token_is_kept(
    setup: Setup,
) -> None:
    """Xero rotates the refresh token on every refresh: the connection must keep the
    newest one, through the in-memory store while connecting and the row-locked store
    after."""
    grants: list[dict[str, str]] = []
    issued = iter(range(1, 10))

    def token(request: Any) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        grants.append(form)
        n = next(issued)
        body = {**XERO_TOKENS, "expires_in": 30, "refresh_token": f"{REFRESH}-{n}"}
        return 200, {}, json.dumps(body)  # 30 s: due for refresh at once (60 s skew)

    responses.add_callback(responses.POST, XERO_TOKEN, callback=token)
    _xero_chart()
    client, finance = _client(setup, Role.FINANCE)
    body = {
        "name": "xero",
        "system": "xero",
        "redirect_uri": REDIRECT,
        "values": {"xero_tenant_id": "tenant-7", "client_id": "X", "client_secret": CLIENT_SECRET},
    }
    state = client.post("/api/v1/books/connections", json=body, headers=finance).json()["state"]
    redirect = f"{REDIRECT}?code={CODE}&state={state}"
    done = client.post(
        "/api/v1/books/authorizations", json={"redirect_url": redirect}, headers=finance
    )
    assert done.status_code == 201, done.text
    tested = client.post("/api/v1/books/connections/xero/test", headers=finance)
    assert tested.status_code == 200, tested.text
    kinds = [g["grant_type"] for g in grants]
    assert kinds[0] == "authorization_code" and set(kinds[1:]) == {"refresh_token"}
    # Each refresh sent the token the one before it issued: none was lost or reused.
    for before, after in zip(range(1, len(grants)), grants[1:], strict=True):
        assert after["refresh_token"] == f"{REFRESH}-{before}"


def test_connecting_again_replaces_the_login_in_place_and_a_system_cannot_change(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.beancount", tmp_path / "b.beancount"
    assert setup.cli("books", "connect", "beancount", "books", "--ledger", str(first)) == 0
    (before,) = _rows(setup)["connections"]
    assert setup.cli("books", "connect", "beancount", "books", "--ledger", str(second)) == 0
    (after,) = _rows(setup)["connections"]
    assert after.id == before.id and after.settings["ledger_path"] == str(second)
    capsys.readouterr()
    status = setup.cli(
        "books", "connect", "quickbooks", "books", "--realm-id", "1", "--client-id", "c",
        "--client-secret-file", _secret_file(tmp_path), "--paste",
    )  # fmt: skip
    assert status == 1
    # Refused before any authorization is stored: the connection is Beancount.
    assert "this connection is beancount" in capsys.readouterr().err
    assert _rows(setup)["books_authorizations"] == []


@responses.activate(assert_all_requests_are_fired=True)
def test_xero_connects_from_the_cli_through_the_local_listener(
    setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    responses.add(responses.POST, XERO_TOKEN, json=XERO_TOKENS)
    _xero_chart()
    responses.add_passthru("http://127.0.0.1")  # the browser's hop back to the listener
    redirect = "http://127.0.0.1:8798/callback"

    def browser() -> None:  # signs in, then is sent back to the redirect URI with the code
        for _ in range(200):
            err = capsys.readouterr().err
            if "state=" in err:
                state = _state(err)
                break
            threading.Event().wait(0.05)
        for _ in range(100):
            try:
                url = f"{redirect}?code={CODE}&state={state}"
                urllib.request.urlopen(url, timeout=2).read()
                return
            except OSError:
                threading.Event().wait(0.05)

    walker = threading.Thread(target=browser)
    walker.start()
    status = setup.cli(
        "books", "connect", "xero", "xero", "--xero-tenant-id", "tenant-7",
        "--client-id", "XEROCLIENT", "--client-secret-file", _secret_file(tmp_path),
        "--redirect-uri", redirect, "--wait", "30", "--json",
    )  # fmt: skip
    walker.join(30)
    out = capsys.readouterr()
    assert status == 0, out.err
    assert json.loads(out.out)["check"] == {"accounts": 3, "tax_codes": 1}
    # The documented code exchange, with the redirect URI the listener served.
    (call,) = [c for c in responses.calls if c.request.url == XERO_TOKEN]
    form = {k: v[0] for k, v in parse_qs(str(call.request.body)).items()}
    assert form == {"grant_type": "authorization_code", "code": CODE, "redirect_uri": redirect}
    _no_secret_in(out.out, out.err)


@responses.activate(assert_all_requests_are_fired=True)
def test_quickbooks_and_beancount_connect_over_the_api(setup: Setup, tmp_path: Path) -> None:
    _token_endpoint(QBO_TOKEN, QBO_TOKENS)
    _qbo_chart()
    client, finance = _client(setup, Role.FINANCE)
    ledger = {"ledger_path": str(tmp_path / "books.beancount"), "operating_currency": "EUR"}
    made = client.post(
        "/api/v1/books/connections",
        json={"name": "ledger", "system": "beancount", "values": ledger},
        headers=finance,
    )
    assert made.status_code == 201, made.text
    assert made.json()["settings"] == ledger and made.json()["check"]["accounts"] == 0
    body = {
        "name": "qbo",
        "system": "quickbooks",
        "redirect_uri": REDIRECT,
        "values": {
            "realm_id": "9130355",
            "environment": "sandbox",
            "client_id": "ABclient",
            "client_secret": CLIENT_SECRET,
        },
    }
    started = client.post("/api/v1/books/connections", json=body, headers=finance)
    assert started.status_code == 202, started.text
    url = urlsplit(started.json()["authorization_url"])
    assert f"{url.netloc}{url.path}" == "appcenter.intuit.com/connect/oauth2"
    assert parse_qs(url.query)["scope"] == ["com.intuit.quickbooks.accounting"]
    code_only = client.post(
        "/api/v1/books/authorizations",
        json={"redirect_url": CODE, "state": started.json()["state"]},
        headers=finance,
    )
    assert code_only.status_code == 201, code_only.text
    assert code_only.json()["check"] == {"accounts": 3, "tax_codes": 1}
    names = [
        i["name"] for i in client.get("/api/v1/books/connections", headers=finance).json()["items"]
    ]
    assert names == ["ledger", "qbo"]
    _no_secret_in(started.text, code_only.text)
