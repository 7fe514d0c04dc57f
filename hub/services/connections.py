"""Connections: validate a connector's config, keep its secrets encrypted, hand out
ready connectors, and refresh OAuth2 tokens single-flight under a row lock.

Nothing here returns or logs a secret: views carry only the *names* of secret fields,
and validation errors on a secret field show ``***`` instead of the input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from connectors.base import ConnectorConfig, ConnectorKind, FatalConfigurationError, RetriableError
from connectors.registry import Registry, UnknownConnector
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import Refresh, TokenSet
from connectors.toolkit.ratelimit import RateBudgets
from hub.crypto import SecretBox
from hub.db.tables_connections import connections
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue, NotFound
from hub.observability import register_secret

OAUTH = "_oauth"  # key of the OAuth2 token set inside the encrypted blob


@dataclass(frozen=True)
class ConnectionView:
    id: int
    kind: str
    connector: str
    display_name: str
    channel_id: int | None
    settings: Mapping[str, Any]
    secret_fields: tuple[str, ...]  # names only, never values
    created_at: datetime
    updated_at: datetime


def validate_config(
    registry: Registry, connector: str, values: Mapping[str, Any], record: str
) -> ConnectorConfig:
    try:
        cls = registry.load(connector)
    except UnknownConnector as exc:
        raise InvalidValue("connector", connector, str(exc), record) from None
    model: type[ConnectorConfig] = cls.config_model
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(config)"
        shown = "***" if field in model.secret_fields() else first.get("input")
        raise InvalidValue(field, shown, first["msg"], record) from None


def add_connection(
    uow: UnitOfWork,
    box: SecretBox,
    registry: Registry,
    *,
    connector: str,
    display_name: str,
    values: Mapping[str, Any],
    channel: str | None = None,
) -> ConnectionView:
    record = f"connection {display_name!r}"
    config = validate_config(registry, connector, values, record)
    settings, secrets = config.split()
    kind = ConnectorKind(registry.load(connector).kind)
    with uow:
        channel_id = uow.channels.by_key(channel).id if channel else None
        now = utcnow()
        new_id = uow.session.execute(
            insert(connections)
            .values(
                tenant_id=uow.tenant_id,
                kind=kind.value,
                connector=connector,
                display_name=display_name,
                channel_id=channel_id,
                credentials=box.seal(secrets),
                settings=settings,
                created_at=now,
                updated_at=now,
            )
            .returning(connections.c.id)
        ).scalar_one()
        uow.commit()
    return _get_view(uow, new_id, tuple(sorted(config.secret_fields())))


def list_connections(uow: UnitOfWork, registry: Registry) -> list[ConnectionView]:
    with uow:
        rows = uow.session.execute(
            select(connections).where(connections.c.tenant_id == uow.tenant_id).order_by("id")
        ).all()
    return [_view(row, _secret_names(registry, row.connector)) for row in rows]


def load_config(
    uow: UnitOfWork, box: SecretBox, registry: Registry, connection_id: int
) -> ConnectorConfig:
    """The full config (secrets included, as SecretStr) to construct the connector."""
    with uow:
        row = _row(uow, connection_id)
    return _config(row, box.open(row.credentials, f"connection {row.display_name!r}"), registry)


def _config(row: Any, blob: Mapping[str, Any], registry: Registry) -> ConnectorConfig:
    secrets = {k: v for k, v in blob.items() if k != OAUTH}
    for value in secrets.values():  # scrubbed from every log line from now on
        if isinstance(value, str):
            register_secret(value)
    return validate_config(
        registry, row.connector, {**row.settings, **secrets}, f"connection {row.display_name!r}"
    )


def open_connector(
    uow_factory: Callable[[], UnitOfWork],
    box: SecretBox,
    registry: Registry,
    budgets: RateBudgets,
    connection_id: int,
) -> Any:
    """A ready connector for one connection: config decrypted, the shared rate budget
    keyed by (tenant, connection), OAuth2 tokens kept in this connection's row. Reads
    the row in a unit of work of its own: call it with none open."""
    with uow_factory() as uow:
        row = _row(uow, connection_id)
        tenant_id = uow.tenant_id
    return _connector(row, tenant_id, uow_factory, box, registry, budgets)


def open_connector_in(
    session: Session,
    tenant_id: int,
    uow_factory: Callable[[], UnitOfWork],
    box: SecretBox,
    registry: Registry,
    budgets: RateBudgets,
    connection_id: int,
) -> Any:
    """:func:`open_connector` reading the row through the caller's open ``session``: a
    service that already holds a unit of work never opens a second one for it."""
    row = _select_row(session, tenant_id, connection_id)
    return _connector(row, tenant_id, uow_factory, box, registry, budgets)


def _connector(
    row: Any,
    tenant_id: int | None,
    uow_factory: Callable[[], UnitOfWork],
    box: SecretBox,
    registry: Registry,
    budgets: RateBudgets,
) -> Any:
    blob = box.open(row.credentials, f"connection {row.display_name!r}")
    config = _config(row, blob, registry)
    context = ConnectorContext(
        connection_key=f"t{tenant_id}:c{row.id}",
        budgets=budgets,
        token_store=DbTokenStore(uow_factory, box, row.id, snapshot=blob),
    )
    return registry.load(row.connector)(config, context)


class DbTokenStore:
    """OAuth2 tokens in the connection's encrypted blob; refresh under a row lock.

    PostgreSQL: SELECT ... FOR UPDATE serializes refreshers of one connection. SQLite:
    the engine opens every transaction with BEGIN IMMEDIATE, so writers queue anyway.
    The rotated refresh token is committed before the new access token is used.

    ``snapshot`` is the blob read when the connector was opened: the first request
    signs with it instead of reading the row again, so a connector used inside a
    service's transaction opens no second one until a token is actually due."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        box: SecretBox,
        connection_id: int,
        initial_refresh_field: str = "refresh_token",
        snapshot: Mapping[str, Any] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._box = box
        self._id = connection_id
        self._initial = initial_refresh_field
        self._snapshot = dict(snapshot) if snapshot is not None else None

    def current(self) -> TokenSet:
        if self._snapshot is not None:
            return self._tokens(self._snapshot)
        with self._uow() as uow:
            return self._tokens(self._open(_row(uow, self._id)))

    def refresh(self, refresh: Refresh, stale: TokenSet) -> TokenSet:
        try:
            with self._uow() as uow:
                row = _row(uow, self._id, lock=True)
                blob = self._open(row)
                tokens = self._tokens(blob)
                self._snapshot = dict(blob)  # what the row holds now
                if tokens.access_token != stale.access_token:
                    return tokens  # another worker refreshed while we waited for the lock
                fresh = refresh(tokens)
                blob[OAUTH] = {
                    "access_token": fresh.access_token.get_secret_value(),
                    "refresh_token": fresh.refresh_token.get_secret_value(),
                    "expires_at": fresh.expires_at.isoformat(),
                }
                uow.session.execute(
                    update(connections)
                    .where(connections.c.id == self._id)
                    .values(credentials=self._box.seal(blob), updated_at=utcnow())
                )
                uow.commit()
                self._snapshot = blob
                return fresh
        except OperationalError as exc:  # lock_timeout: another refresh holds the row
            raise RetriableError(f"connection {self._id}: token refresh busy") from exc

    def _open(self, row: Any) -> dict[str, Any]:
        return self._box.open(row.credentials, f"connection {row.display_name!r}")

    def _tokens(self, blob: Mapping[str, Any]) -> TokenSet:
        oauth = blob.get(OAUTH)
        if not oauth:
            initial = blob.get(self._initial)
            if not initial:
                raise FatalConfigurationError(f"connection {self._id}: no refresh token stored")
            return TokenSet(SecretStr(""), SecretStr(initial), datetime.min.replace(tzinfo=UTC))
        return TokenSet(
            SecretStr(oauth["access_token"]),
            SecretStr(oauth["refresh_token"]),
            datetime.fromisoformat(oauth["expires_at"]),
        )


def _row(uow: UnitOfWork, connection_id: int, lock: bool = False) -> Any:
    return _select_row(uow.session, uow.tenant_id, connection_id, lock)


def _select_row(
    session: Session, tenant_id: int | None, connection_id: int, lock: bool = False
) -> Any:
    query = select(connections).where(
        connections.c.id == connection_id, connections.c.tenant_id == tenant_id
    )
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound("connection", connection_id)
    return row


def _secret_names(registry: Registry, connector: str) -> tuple[str, ...]:
    try:
        model: type[ConnectorConfig] = registry.load(connector).config_model
    except FatalConfigurationError:
        return ()  # connector uninstalled since: still list the connection
    return tuple(sorted(model.secret_fields()))


def _view(row: Any, secret_fields: tuple[str, ...]) -> ConnectionView:
    return ConnectionView(
        id=row.id,
        kind=row.kind,
        connector=row.connector,
        display_name=row.display_name,
        channel_id=row.channel_id,
        settings=dict(row.settings),
        secret_fields=secret_fields,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _get_view(
    uow: UnitOfWork, connection_id: int, secret_fields: tuple[str, ...]
) -> ConnectionView:
    with uow:
        row = _row(uow, connection_id)
    return _view(row, secret_fields)
