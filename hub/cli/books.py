"""`hub books connect|test|list|disconnect`: link the books without SQL.

Beancount is connected at once (the ledger checked writable and readable); QuickBooks
and Xero print the authorization URL, then take the code from a one-shot listener on
the 127.0.0.1 redirect URI or from a pasted redirect URL. Client secrets come from a
file or a hidden prompt, never the command line (shell history keeps it).
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, hub, table, tenant_uow
from hub.domain.errors import InvalidValue
from hub.services import books_connections as books

__all__ = ["register", "wait_for_callback"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_REDIRECT = "http://127.0.0.1:8765/callback"


def wait_for_callback(redirect_uri: str, timeout: float) -> str:
    """Serve one request on the redirect URI's port (127.0.0.1 only) and return its
    path and query: the platform's redirect, with code and state."""
    parts = urlsplit(redirect_uri)
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path != (parts.path or "/"):
                self.send_error(404)
                return
            got.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"The hub received the authorization. You can close this tab.\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request line carries the code: never logged

    server = HTTPServer(("127.0.0.1", parts.port or 80), Handler)
    server.timeout = 0.5
    deadline = time.monotonic() + timeout
    try:
        while not got and time.monotonic() < deadline:
            server.handle_request()  # one request, or none within server.timeout
    finally:
        server.server_close()
    if not got:
        raise InvalidValue("callback", None, f"no redirect arrived within {timeout:.0f} s")
    return f"{redirect_uri.split('?')[0]}?{urlsplit(got[0]).query}"


def _secret(path: Path | None, what: str) -> str:
    if path is not None:
        return path.read_text().strip()
    return str(typer.prompt(what, hide_input=True, err=True))


def _connected(result: books.Connected) -> str:
    c, check = result.connection, result.check
    return (
        f"connected {c.name} ({c.system}): {check.accounts} accounts, "
        f"{check.tax_codes} tax codes in the books"
    )


def connect(
    system: Annotated[str, typer.Argument(help="beancount, gnucash, quickbooks or xero")],
    name: Annotated[str, typer.Argument(help="Connection name (used by `hub books post`).")],
    ledger: Annotated[
        Path | None, typer.Option("--ledger", help="Beancount: the ledger file (created).")
    ] = None,
    book: Annotated[
        Path | None, typer.Option("--book", help="GnuCash: the SQLite book file (created).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="The books' home currency.")
    ] = None,
    realm_id: Annotated[
        str | None, typer.Option("--realm-id", help="QuickBooks: the company id.")
    ] = None,
    environment: Annotated[
        str | None, typer.Option("--environment", help="QuickBooks: production or sandbox.")
    ] = None,
    xero_tenant_id: Annotated[
        str | None, typer.Option("--xero-tenant-id", help="Xero: the organisation id.")
    ] = None,
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth2 client id.")] = None,
    client_secret_file: Annotated[
        Path | None,
        typer.Option("--client-secret-file", help="File holding the OAuth2 client secret."),
    ] = None,
    redirect_uri: Annotated[
        str, typer.Option("--redirect-uri", help="Redirect URI registered with the app.")
    ] = DEFAULT_REDIRECT,
    paste: Annotated[
        bool, typer.Option("--paste", help="Read the redirect URL from stdin; do not listen.")
    ] = False,
    wait: Annotated[
        int, typer.Option("--wait", help="Seconds to wait for the redirect.", min=1, max=3600)
    ] = 300,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Connect the books: settings validated, the login authorised, the chart read."""
    given: dict[str, Any] = {
        "ledger_path": str(ledger) if ledger is not None else None,
        "book_path": str(book.absolute()) if book is not None else None,
        "realm_id": realm_id,
        "environment": environment,
        "xero_tenant_id": xero_tenant_id,
        "client_id": client_id,
    }
    if currency:
        given[books.CURRENCY_FIELD.get(system, "base_currency")] = currency.upper()
    values = {k: v for k, v in given.items() if v is not None}
    h = hub()
    if books.signs_in(h.connectors, system):
        values["client_secret"] = _secret(client_secret_file, "OAuth2 client secret")
    uow = tenant_uow(tenant)
    tenant_id = uow.tenant_id
    started = books.start_connect(
        lambda: h.uow(tenant_id),
        h.secret_box,
        h.connectors,
        name=name,
        system=system,
        values=values,
        redirect_uri=redirect_uri,
    )
    if isinstance(started, books.Authorization):
        typer.echo(f"Open this URL to authorise the hub:\n{started.url}", err=True)
        host = urlsplit(redirect_uri).hostname or ""
        if paste or (host not in LOCAL_HOSTS and f"[{host}]" not in LOCAL_HOSTS):
            typer.echo("Then paste the URL you were sent back to:", err=True)
            callback = sys.stdin.readline()
        else:
            typer.echo(f"Waiting for the redirect on {redirect_uri} ...", err=True)
            callback = wait_for_callback(redirect_uri, float(wait))
        started = books.complete_authorization(
            lambda: h.uow(tenant_id), h.secret_box, h.connectors, callback, started.state
        )
    done = started
    emit(done, as_json, lambda: _connected(done))


def test(
    name: Annotated[str, typer.Argument(help="Connection name.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read the books' chart of accounts and tax codes; say how many."""
    h = hub()
    tenant_id = tenant_uow(tenant).tenant_id
    assert tenant_id is not None
    check = books.test_books(
        lambda: h.uow(tenant_id), h.connectors, name, lambda cid: h.open_connector(tenant_id, cid)
    )
    emit(
        {"connection": name, "accounts": check.accounts, "tax_codes": check.tax_codes},
        as_json,
        lambda: f"{name}: {check.accounts} accounts, {check.tax_codes} tax codes",
    )


def list_command(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Books connections: system, settings, and the names of secret fields."""
    views = books.list_books(tenant_uow(tenant), hub().connectors)
    rows = [
        [
            v.name,
            v.system,
            "yes" if v.connected else "no",
            ", ".join(f"{k}={val}" for k, val in sorted(v.settings.items())),
            ", ".join(v.secret_fields),
        ]
        for v in views
    ]
    emit(
        views, as_json, lambda: table(rows, ["name", "system", "connected", "settings", "secrets"])
    )


def disconnect(
    name: Annotated[str, typer.Argument(help="Connection name.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete the login and settings; mappings and posted documents stay."""
    view = books.disconnect(tenant_uow(tenant), name)
    emit(view, as_json, lambda: f"disconnected {name}: secrets and tokens deleted")


def register(books_app: typer.Typer) -> None:
    books_app.command("connect")(connect)
    books_app.command("test")(test)
    books_app.command("list")(list_command)
    books_app.command("disconnect")(disconnect)
