"""A pull that fails with a platform's text quoting a NUL or a lone surrogate (a GraphQL
error message may carry either: JSON escapes them) still leaves its last error in the
channel's sync status, escaped. Found by the fuzz suite: PostgreSQL refused the write
(and SQLite the surrogate), so the operator saw no error at all."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses

from connectors.shop_platforms.shopify import ShopifyConnector
from connectors.toolkit import ConnectorContext, LocalRateBudgets
from connectors.toolkit.graphql import GraphQLError
from hub.db.unit_of_work import UnitOfWork
from hub.services import catalog, sync_status
from hub.services.dispatch import InlineDispatcher
from hub.services.pull import pull
from hub.services.sync_context import RegistryConnectors, SyncContext
from tests.conftest import Database
from tests.robustness.ways_in import SHOPIFY_GRAPHQL, SHOPIFY_SHOP


def test_a_failed_pull_quoting_nul_and_a_lone_surrogate_keeps_its_last_error(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    channel = catalog.create_channel(tenant(), "shop", "shopify", "USD")
    assert channel.id is not None
    config = ShopifyConnector.config_model.model_validate(
        {"shop_url": SHOPIFY_SHOP, "access_token": "shpat_x"}
    )
    built = ShopifyConnector(config, ConnectorContext("t", LocalRateBudgets(), None, lambda s: 0))
    ctx = SyncContext(db.session_factory, RegistryConnectors(open_connection=lambda s, c: built))
    with tenant() as uow:
        tenant_id = uow.tenant_id
    assert tenant_id is not None
    answer = '{"errors": [{"message": "bad \\u0000 query \\ud800 here"}]}'
    with responses.RequestsMock() as api:
        api.post(SHOPIFY_GRAPHQL, body=answer, content_type="application/json")
        with pytest.raises(GraphQLError):
            pull(ctx, InlineDispatcher(ctx), tenant_id, channel.id)
    with tenant() as uow:
        (row,) = sync_status.channel_status(uow.session, tenant_id)
    assert row["last_error"] is not None
    assert "bad \\x00 query \\ud800 here" in row["last_error"]
    assert row["last_success_at"] is None
