"""Connect the books: a Beancount ledger path, or a QuickBooks / Xero login by OAuth2.

Every books connection is an accounting connection (name, system, mappings) linked by
``connection_id`` to a row of the connections table, where the connector's settings sit
in the clear and its secrets and OAuth2 tokens sealed, refreshed single-flight by the
same DbTokenStore as the storefronts'. Connecting is all or nothing: the settings are
validated by the connector's own config model, the authorization code is exchanged and
the chart read back *before* one row is written, so a refused login or a wrong realm
stores nothing. Secrets never come back out: views carry the names of secret fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from connectors.base import BooksCheck, ConnectorConfig, ConnectorError, ConnectorKind
from connectors.registry import Registry
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import (
    InMemoryTokenStore,
    OAuthApp,
    TokenSet,
    new_state,
    parse_callback,
)
from hub.crypto import SecretBox
from hub.db.tables_connections import books_authorizations, connections
from hub.db.tables_mapping import accounting_connections
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue, NotFound
from hub.observability import register_secret
from hub.services.accounting_books import open_books
from hub.services.connections import save_connection, validate_config

__all__ = [
    "AUTHORIZATION_TTL",
    "CURRENCY_FIELD",
    "Authorization",
    "BooksConnectionView",
    "Connected",
    "complete_authorization",
    "disconnect",
    "list_books",
    "signs_in",
    "start_connect",
    "test_books",
]

AUTHORIZATION_TTL = timedelta(minutes=15)  # a consent page left open longer starts again
MAPPING_KEYS = ("accounts", "tax_codes")  # accounting-connection settings that are not login
# The setting that holds the books' home currency, per system ("base_currency" otherwise).
CURRENCY_FIELD = {"beancount": "operating_currency", "quickbooks": "home_currency",
                  "gnucash": "currency"}  # fmt: skip

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class BooksConnectionView:
    name: str
    system: str
    connected: bool
    settings: Mapping[str, Any]  # the connector's plain settings; never a secret
    secret_fields: tuple[str, ...]  # names only
    authorized: bool  # signed in by OAuth2 (tokens sealed with the secrets)


@dataclass(frozen=True)
class Authorization:
    """Step one of a hosted ledger's connect: send the merchant to ``url``."""

    name: str
    system: str
    url: str
    state: str
    redirect_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class Connected:
    connection: BooksConnectionView
    check: BooksCheck


def _record(name: str) -> str:
    return f"books connection {name!r}"


def _system(registry: Registry, system: str, name: str) -> tuple[type[Any], OAuthApp | None]:
    # A books system is any installed accounting connector's registry name.
    try:
        cls = registry.load(system)
    except ConnectorError as exc:  # not installed, or broken
        raise InvalidValue("system", system, str(exc), _record(name)) from None
    if getattr(cls, "kind", None) != ConnectorKind.ACCOUNTING:
        raise InvalidValue("system", system, "is not an accounting connector", _record(name))
    return cls, getattr(cls, "oauth", None)


def signs_in(registry: Registry, system: str) -> bool:
    """Whether connecting ``system`` takes an OAuth2 login (and so a client secret); an
    unknown system is named by :func:`start_connect`, not here."""
    try:
        return getattr(registry.load(system), "oauth", None) is not None
    except ConnectorError:
        return False


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def start_connect(
    uow_factory: UowFactory,
    box: SecretBox,
    registry: Registry,
    *,
    name: str,
    system: str,
    values: Mapping[str, Any],
    redirect_uri: str | None = None,
) -> Connected | Authorization:
    """Validate the settings; books without a login are checked and stored at once,
    hosted ones get an authorization URL (the pending settings sealed until the code)."""
    cls, oauth = _system(registry, system, name)
    config = validate_config(registry, system, values, _record(name))
    _, secrets = config.split()
    for value in secrets.values():
        if isinstance(value, str):
            register_secret(value)
    uow = uow_factory()
    _same_system(uow_factory(), name, system)  # before the merchant signs in for nothing
    if oauth is None:
        check = _checked(name, cls(config, ConnectorContext(connection_key=f"books:{name}")))
        return Connected(_store(uow, box, registry, name, system, config, None), check)
    if not redirect_uri:
        raise InvalidValue("redirect_uri", redirect_uri, "required for OAuth2", _record(name))
    state = new_state()
    client = cls.token_client(config)
    now = utcnow()
    with uow:
        a = books_authorizations.c  # consent pages left open past their time: forgotten
        uow.session.execute(
            delete(books_authorizations).where(a.tenant_id == uow.tenant_id, a.expires_at < now)
        )
        uow.session.execute(
            insert(books_authorizations).values(
                tenant_id=uow.tenant_id,
                state_digest=_digest(state),
                name=name,
                system=system,
                redirect_uri=redirect_uri,
                credentials=box.seal(dict(values)),
                expires_at=now + AUTHORIZATION_TTL,
                created_at=now,
            )
        )
        uow.commit()
    url = oauth.authorization_url(client.client_id, redirect_uri, state)
    return Authorization(name, system, url, state, redirect_uri, now + AUTHORIZATION_TTL)


def _same_system(uow: UnitOfWork, name: str, system: str) -> None:
    ac = accounting_connections.c
    with uow:
        current = uow.session.execute(
            select(ac.system).where(ac.tenant_id == uow.tenant_id, ac.name == name)
        ).scalar_one_or_none()
    if current is not None and current != system:
        raise InvalidValue("system", system, f"this connection is {current}", _record(name))


def complete_authorization(
    uow_factory: UowFactory,
    box: SecretBox,
    registry: Registry,
    callback: str,
    state: str | None = None,
) -> Connected:
    """Step two: the redirect URL (or its query, or a bare code with ``state``) comes
    back; the code is exchanged at the token endpoint, the chart read with the new
    tokens, and only then are the connection and its sealed tokens stored."""
    try:
        answer = parse_callback(callback)
    except ConnectorError as exc:
        raise InvalidValue("callback", "***", str(exc), "books authorization") from None
    if answer.state and state and answer.state != state:
        raise InvalidValue("state", "***", "the redirect answers another authorization")
    state = answer.state or state
    if not state:
        raise InvalidValue("state", None, "paste the whole redirect URL, or give the state")
    uow = uow_factory()
    a = books_authorizations.c
    with uow:  # single use: consumed whatever happens next
        row = uow.session.execute(
            select(books_authorizations).where(
                a.tenant_id == uow.tenant_id, a.state_digest == _digest(state)
            )
        ).one_or_none()
        if row is None:
            raise NotFound("books authorization", "state", "state")
        uow.session.execute(delete(books_authorizations).where(a.id == row.id))
        uow.commit()
    record = _record(row.name)
    if row.expires_at < utcnow():
        raise InvalidValue("state", "***", "the authorization expired: connect again", record)
    cls, oauth = _system(registry, row.system, row.name)
    assert oauth is not None
    values = box.open(row.credentials, record)
    for param, field in oauth.callback_fields.items():
        given = answer.params.get(param)
        if given is not None and str(values.get(field)) != given:
            raise InvalidValue(
                field, values.get(field), f"the login authorised {param}={given}", record
            )
    config = validate_config(registry, row.system, values, record)
    try:
        tokens = cls.token_client(config).exchange_code(answer.code, row.redirect_uri)
    except ConnectorError as exc:
        raise InvalidValue("authorization", "***", str(exc), record) from None
    for secret in (tokens.access_token, tokens.refresh_token):
        register_secret(secret.get_secret_value())
    store = InMemoryTokenStore(tokens)
    context = ConnectorContext(connection_key=f"books:{row.name}", token_store=store)
    check = _checked(row.name, cls(config, context))
    view = _store(uow_factory(), box, registry, row.name, row.system, config, store.current())
    return Connected(view, check)


def _checked(name: str, connector: Any) -> BooksCheck:
    try:
        return check_books(connector)
    except ConnectorError as exc:
        raise InvalidValue(
            "books", "***", f"reading the chart failed: {exc}", _record(name)
        ) from None


def check_books(connector: Any) -> BooksCheck:
    """The connector's own check, or the counts of its chart and tax codes."""
    if hasattr(connector, "check_books"):
        checked: BooksCheck = connector.check_books()
        return checked
    return BooksCheck(len(connector.list_accounts()), len(connector.list_tax_codes()))


def _store(
    uow: UnitOfWork,
    box: SecretBox,
    registry: Registry,
    name: str,
    system: str,
    config: ConnectorConfig,
    tokens: TokenSet | None,
) -> BooksConnectionView:
    """One transaction: the accounting connection (created or kept with its mappings)
    and its connections row (created, or its settings and secrets replaced)."""
    ac, c = accounting_connections.c, connections.c
    with uow:
        books = uow.session.execute(
            select(accounting_connections).where(ac.tenant_id == uow.tenant_id, ac.name == name)
        ).one_or_none()
        if books is not None and books.system != system:
            raise InvalidValue(
                "system", system, f"this connection is {books.system}", _record(name)
            )
        kept = {k: v for k, v in (books.settings if books else {}).items() if k in MAPPING_KEYS}
        linked = (books.settings or {}).get("connection_id") if books else None
        existing = uow.session.execute(
            select(c.id).where(
                c.tenant_id == uow.tenant_id,
                (c.id == linked) if linked is not None else (c.display_name == f"books:{name}"),
            )
        ).scalar_one_or_none()
        connection_id = save_connection(
            uow,
            box,
            kind=ConnectorKind.ACCOUNTING,
            connector=system,
            display_name=f"books:{name}",
            config=config,
            tokens=tokens,
            replace=existing,
        )
        linked_settings = {**kept, "connection_id": connection_id}
        if books is None:
            uow.session.execute(
                insert(accounting_connections).values(
                    tenant_id=uow.tenant_id,
                    name=name,
                    system=system,
                    settings=linked_settings,
                )
            )
        else:
            uow.session.execute(
                update(accounting_connections)
                .where(ac.id == books.id)
                .values(settings=linked_settings)
            )
        uow.commit()
    return BooksConnectionView(
        name,
        system,
        True,
        config.split()[0],
        tuple(sorted(type(config).secret_fields())),
        tokens is not None,
    )


def list_books(uow: UnitOfWork, registry: Registry) -> list[BooksConnectionView]:
    ac, c = accounting_connections.c, connections.c
    with uow:
        rows = uow.session.execute(
            select(accounting_connections).where(ac.tenant_id == uow.tenant_id).order_by(ac.name)
        ).all()
        linked = {
            r.id: r
            for r in uow.session.execute(
                select(connections).where(c.tenant_id == uow.tenant_id, c.kind == "accounting")
            )
        }
    views = []
    for row in rows:
        settings = dict(row.settings or {})
        link = linked.get(settings.get("connection_id"))
        system = row.system
        if link is not None:
            views.append(
                BooksConnectionView(
                    row.name,
                    system,
                    True,
                    dict(link.settings),
                    _secret_names(registry, system),
                    _oauth(registry, system),
                )
            )
        else:  # connected by plain settings (a ledger path set before this command)
            plain = {k: v for k, v in settings.items() if k not in (*MAPPING_KEYS, "connection_id")}
            views.append(BooksConnectionView(row.name, system, bool(plain), plain, (), False))
    return views


def _oauth(registry: Registry, system: str) -> bool:
    # A hosted ledger's connection is only ever stored with its tokens (step two).
    try:
        return getattr(registry.load(system), "oauth", None) is not None
    except ConnectorError:
        return False


def _secret_names(registry: Registry, system: str) -> tuple[str, ...]:
    try:
        model: type[ConnectorConfig] = registry.load(system).config_model
    except ConnectorError:
        return ()
    return tuple(sorted(model.secret_fields()))


def test_books(
    uow_factory: UowFactory,
    registry: Registry,
    name: str,
    open_connection: Callable[[int], Any],
) -> BooksCheck:
    """Read the chart of a stored connection (its login refreshed as needed)."""
    connector = open_books(uow_factory, name, registry, open_connection)
    return _checked(name, connector)


def disconnect(uow: UnitOfWork, name: str) -> BooksConnectionView:
    """Forget the login and settings (secrets and tokens deleted); the accounting
    connection stays, with its mappings and posted documents, to be connected again."""
    ac, c = accounting_connections.c, connections.c
    with uow:
        books = uow.session.execute(
            select(accounting_connections).where(ac.tenant_id == uow.tenant_id, ac.name == name)
        ).one_or_none()
        if books is None:
            raise NotFound("books connection", name, "connection")
        settings = dict(books.settings or {})
        linked = settings.get("connection_id")
        if linked is not None:
            uow.session.execute(
                delete(connections).where(c.id == linked, c.tenant_id == uow.tenant_id)
            )
        kept = {k: v for k, v in settings.items() if k in MAPPING_KEYS}
        uow.session.execute(
            update(accounting_connections).where(ac.id == books.id).values(settings=kept)
        )
        a = books_authorizations.c
        uow.session.execute(
            delete(books_authorizations).where(a.tenant_id == uow.tenant_id, a.name == name)
        )
        uow.commit()
    return BooksConnectionView(name, books.system, False, {}, (), False)
