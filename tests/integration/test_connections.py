"""Connections on both databases: secrets encrypted at rest and never echoed; OAuth2
refresh is single-flight under the row lock and keeps every rotated refresh token."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest
import responses
import sqlalchemy as sa
from pydantic import SecretStr

from connectors.base import (
    Capability,
    ConnectorConfig,
    ConnectorKind,
    FatalConfigurationError,
    secret,
)
from connectors.registry import GROUP, Registry
from connectors.toolkit import OAuth2RefreshAuth, OAuth2TokenClient
from hub.bootstrap import Hub
from hub.config import Settings
from hub.crypto import CredentialsUnreadable, SecretBox, derive_key
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.services import connections as svc
from tests.conftest import Database

TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
BOX = SecretBox([derive_key("test-secret")])


class BooksConfig(ConnectorConfig):
    realm_id: str
    client_id: str
    client_secret: SecretStr = secret("app secret")
    refresh_token: SecretStr = secret("refresh token from the consent flow")


class BooksConnector:
    """A stand-in accounting connector registered through a real EntryPoint object."""

    name: ClassVar[str] = "books"
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.POST_DOCUMENTS})
    config_model: ClassVar[type[ConnectorConfig]] = BooksConfig


REGISTRY = Registry(
    lambda: [
        EntryPoint("books", f"{__name__}:BooksConnector", GROUP),
        EntryPoint(
            "woocommerce", "connectors.shop_platforms.woocommerce:WooCommerceConnector", GROUP
        ),
    ]
)
VALUES = {
    "realm_id": "9130",
    "client_id": "ABk1",
    "client_secret": "client-secret-zq81",
    "refresh_token": "AB11-refresh-initial",
}


def add_books(uow: UnitOfWork) -> svc.ConnectionView:
    return svc.add_connection(
        uow, BOX, REGISTRY, connector="books", display_name="QuickBooks", values=VALUES
    )


def test_secrets_are_encrypted_at_rest_and_come_back_only_through_the_box(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    view = add_books(tenant())
    with db.engine.connect() as conn:
        raw = conn.execute(
            sa.text("SELECT credentials, settings FROM connections WHERE id = :id"),
            {"id": view.id},
        ).one()
    stored = f"{raw.credentials} {raw.settings} {view!r}"
    assert "client-secret-zq81" not in stored and "AB11-refresh" not in stored
    assert view.settings == {"realm_id": "9130", "client_id": "ABk1"}
    assert view.secret_fields == ("client_secret", "refresh_token")
    config = svc.load_config(tenant_of(db, tenant), BOX, REGISTRY, view.id)
    assert isinstance(config, BooksConfig)
    assert config.client_secret.get_secret_value() == "client-secret-zq81"


def tenant_of(db: Database, tenant: Callable[[], UnitOfWork]) -> UnitOfWork:
    return db.uow(tenant().tenant_id)


def test_another_key_cannot_read_the_credentials(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    view = add_books(tenant())
    with pytest.raises(CredentialsUnreadable, match="QuickBooks"):
        svc.load_config(tenant(), SecretBox([derive_key("other")]), REGISTRY, view.id)


def test_a_bad_secret_is_refused_without_echoing_it(tenant: Callable[[], UnitOfWork]) -> None:
    with pytest.raises(InvalidValue) as refused:
        svc.add_connection(
            tenant(),
            BOX,
            REGISTRY,
            connector="books",
            display_name="QB",
            values={**VALUES, "client_secret": 123456789},
        )
    assert refused.value.field == "client_secret" and "123456789" not in str(refused.value)
    assert svc.list_connections(tenant(), REGISTRY) == []  # nothing half-written


def test_an_unknown_connector_names_the_installed_ones(tenant: Callable[[], UnitOfWork]) -> None:
    with pytest.raises(InvalidValue, match=r"installed: books, woocommerce"):
        svc.add_connection(tenant(), BOX, REGISTRY, connector="shopfy", display_name="x", values={})


def test_concurrent_refreshes_call_the_token_endpoint_once_and_keep_the_rotation(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    view = add_books(tenant())
    tenant_id = tenant().tenant_id
    calls: list[str] = []

    def token_endpoint(request: Any) -> tuple[int, dict[str, str], str]:
        calls.append(request.body)
        time.sleep(0.2)  # widen the race window: the other worker is now waiting on the lock
        body = '{"access_token":"eyJ-new","refresh_token":"AB11-rotated","expires_in":3600}'
        return 200, {"Content-Type": "application/json"}, body

    seen: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            store = svc.DbTokenStore(lambda: db.uow(tenant_id), BOX, view.id)
            client = OAuth2TokenClient(TOKEN_URL, "ABk1", SecretStr("client-secret-zq81"))
            auth = OAuth2RefreshAuth(store, client)
            start.wait()
            seen.append(auth.token().access_token.get_secret_value())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.add_callback("POST", TOKEN_URL, token_endpoint)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert seen == ["eyJ-new", "eyJ-new"]
    assert len(calls) == 1 and "refresh_token=AB11-refresh-initial" in calls[0]
    stored = svc.DbTokenStore(lambda: db.uow(tenant_id), BOX, view.id).current()
    assert stored.refresh_token.get_secret_value() == "AB11-rotated"
    # The config secrets are still there beside the tokens.
    config = svc.load_config(db.uow(tenant_id), BOX, REGISTRY, view.id)
    assert isinstance(config, BooksConfig) and config.client_id == "ABk1"


def test_an_opened_connector_fails_loudly_without_leaking_its_secrets(
    db: Database, tenant: Callable[[], UnitOfWork], caplog: pytest.LogCaptureFixture
) -> None:
    hub = Hub(Settings(database_url=db.url, secret_key=SecretStr("k" * 32), _env_file=None))
    tenant_id = tenant().tenant_id
    assert tenant_id is not None
    values = {
        "store_url": "https://shop.example.com",
        "consumer_key": "ck_leak_check_1",
        "consumer_secret": "cs_leak_check_2",
        "webhook_secret": "wh_leak_check_3",
    }
    view = svc.add_connection(
        db.uow(tenant_id),
        hub.secret_box,
        hub.connectors,
        connector="woocommerce",
        display_name="Woo",
        values=values,
    )
    connector = hub.open_connector(tenant_id, view.id)
    assert connector.context.connection_key == f"t{tenant_id}:c{view.id}"
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        # A platform that echoes the key it refused (some do).
        api.get(
            "https://shop.example.com/wp-json/wc/v3/orders",
            status=401,
            json={
                "code": "woocommerce_rest_authentication_error",
                "message": "bad ck_leak_check_1",
            },
        )
        with pytest.raises(FatalConfigurationError) as failure:
            list(connector.iter_order_pages(datetime(2025, 1, 1, tzinfo=UTC)))
    visible = " ".join([caplog.text, str(failure.value), repr(connector), repr(view)])
    assert "401" in visible
    for value in values.values():
        if "leak_check" in value:
            assert value not in visible
    hub.close()
