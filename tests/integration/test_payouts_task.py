"""The payouts task as a worker runs it: `pull_payouts` pulls and stores a channel's
payouts through the service (ids in, a plain report out)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from connectors.shop_platforms.shopify import ShopifyConnector
from hub.bootstrap import Hub, use_hub
from hub.celery_app import app
from hub.config import Settings
from hub.services import payouts
from hub.services.sync_context import SyncContext
from hub.tasks import use_context
from tests.conftest import Database
from tests.contract import payout_docs as pd
from tests.integration.books_setup import UowFactory, setup_books
from tests.integration.test_payouts_books import FULL_CHART, URL, OneShop, shop

__all__ = ["shop"]


@pytest.fixture
def worker_hub(db: Database) -> Iterator[Hub]:
    app.loader.import_default_modules()
    hub = Hub(Settings(database_url=db.url))
    use_hub(hub)
    yield hub
    hub.close()
    use_hub(None)
    use_context(None)


def test_the_pull_task_stores_the_channels_payouts(
    db: Database, tenant: UowFactory, worker_hub: Hub, shop: ShopifyConnector
) -> None:
    setup_books(tenant, {"ledger_path": "/dev/null"}, chart=FULL_CHART)
    with tenant() as u:
        tenant_id, channel_id = u.tenant_id, u.channels.by_key("shop").id
    use_context(
        SyncContext(
            db.session_factory, OneShop(shop), clock=lambda: datetime(2026, 11, 20, tzinfo=UTC)
        )
    )
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.post(URL, json=pd.shopify_page("payouts", [pd.shopify_payout()]))
        api.post(URL, json=pd.shopify_page("balanceTransactions", pd.shopify_transactions()))
        result = app.tasks["hub.tasks.pull_payouts"].run(tenant_id, channel_id)
    assert (result["pulled"], result["changed"], result["refused"]) == (1, 1, {})
    assert [s.external_id for s in payouts.list_payouts(tenant())] == [
        "gid://shopify/ShopifyPaymentsPayout/77"
    ]
