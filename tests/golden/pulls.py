"""Golden cases through each connector's real pull path: the platform's HTTP API is faked
at the edge with `responses`, shaped as the official API answers (and validated against
../shared/specs), and the connector pages, joins and builds its records itself.

A case's payload is what the platform sends for one order:
- amazon: ``{"Order": <getOrders Order>, "OrderItemsPages": [<getOrderItems body>, ...]}``
  (the order items come page by page, chained by ``NextToken``);
- ebay: the ``Order`` of a getOrders page;
- medusa: the order of a ``GET /admin/orders`` page (the connector's ``fields``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import responses
from pydantic import SecretStr
from responses import matchers
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import RawRecord
from connectors.shop_platforms.amazon import AmazonConfig, AmazonConnector
from connectors.shop_platforms.ebay import EbayConfig, EbayConnector
from connectors.shop_platforms.medusa import MedusaConfig, MedusaConnector
from connectors.toolkit import (
    ConnectorContext,
    InMemoryTokenStore,
    LocalRateBudgets,
    RateBudgets,
    RestStorefrontConnector,
    TokenSet,
)
from hub.db import tables as t
from hub.db.tables_sync import sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import Order
from hub.services import catalog
from hub.services.dispatch import InlineDispatcher
from hub.services.ingest import map_record
from hub.services.pull import pull
from hub.services.sync_context import ChannelRef, RegistryConnectors, SyncContext
from tests.contract import amazon_docs, ebay_docs, medusa_docs
from tests.golden.cases import GoldenCase, mismatches

__all__ = [
    "CONNECTORS",
    "SERVE",
    "connector",
    "ingest_by_pull",
    "map_pulled",
    "pull_into",
    "pull_records",
    "serve",
]

AMAZON = "https://sellingpartnerapi-eu.amazon.com/"
EBAY = "https://api.ebay.com/"
MEDUSA = "http://medusa.test:9000/"


def _context(platform: str, budgets: RateBudgets | None = None) -> ConnectorContext:
    fresh = datetime.now(UTC) + timedelta(hours=1)
    store = InMemoryTokenStore(TokenSet(SecretStr("access"), SecretStr("refresh"), fresh))
    key = f"golden-{platform}-{uuid.uuid4().hex[:6]}"
    return ConnectorContext(key, budgets or LocalRateBudgets(), store, lambda seconds: None)


def _amazon(budgets: RateBudgets | None = None) -> RestStorefrontConnector[Any]:
    config = AmazonConfig(
        endpoint=AMAZON,
        marketplace_ids=["A1PA6795UKMFR9"],
        seller_id="A2SELLER",
        lwa_client_id="amzn1.application-oa2-client.golden",
        lwa_client_secret=SecretStr("lwa-secret"),
    )
    return AmazonConnector(config, _context("amazon", budgets))


def _ebay(budgets: RateBudgets | None = None) -> RestStorefrontConnector[Any]:
    config = EbayConfig(client_id="GoldenApp", client_secret=SecretStr("cert"))
    return EbayConnector(config, _context("ebay", budgets))


def _medusa(budgets: RateBudgets | None = None) -> RestStorefrontConnector[Any]:
    # Pending orders are read again after each pull (see the connector); one pass here.
    config = MedusaConfig(base_url=MEDUSA, api_key=SecretStr("sk_golden"), reread_open=False)
    return MedusaConnector(config, _context("medusa", budgets))


# Each builds the platform's connector with a fresh token (rate budgets: given or new).
CONNECTORS: dict[str, Callable[..., RestStorefrontConnector[Any]]] = {
    "amazon": _amazon,
    "ebay": _ebay,
    "medusa": _medusa,
}


def _serve_amazon(api: responses.RequestsMock, payload: dict[str, Any], checked: bool) -> None:
    order = payload["Order"]
    page = {"payload": {"Orders": [order], "LastUpdatedBefore": "2026-12-01T00:00:00Z"}}
    if checked:
        amazon_docs.check("ordersV0.json", "GetOrdersResponse", page)
    api.add(responses.GET, AMAZON + "orders/v0/orders", json=page)
    asked: str | None = None
    for body in payload["OrderItemsPages"]:
        if checked:
            amazon_docs.check("ordersV0.json", "GetOrderItemsResponse", body)
        api.add(
            responses.GET,
            f"{AMAZON}orders/v0/orders/{order['AmazonOrderId']}/orderItems",
            json=body,
            match=[matchers.query_param_matcher({"NextToken": asked} if asked else {})],
        )
        asked = body["payload"].get("NextToken")


def _serve_ebay(api: responses.RequestsMock, payload: dict[str, Any], checked: bool) -> None:
    page = {"href": EBAY, "limit": 100, "offset": 0, "total": 1, "orders": [payload]}
    if checked:
        ebay_docs.check(ebay_docs.FULFILLMENT, "OrderSearchPagedCollection", page)
    # Only with TAX_BREAKDOWN does eBay's total include the collect-and-remit tax.
    breakdown = matchers.query_param_matcher({"fieldGroups": "TAX_BREAKDOWN"}, strict_match=False)
    api.add(responses.GET, EBAY + "sell/fulfillment/v1/order", json=page, match=[breakdown])


def _serve_medusa(api: responses.RequestsMock, payload: dict[str, Any], checked: bool) -> None:
    if checked:
        medusa_docs.check("AdminOrder", payload)
    page = {"count": 1, "offset": 0, "limit": 50, "orders": [payload]}
    api.add(responses.GET, MEDUSA + "admin/orders", json=page)


SERVE: dict[str, Callable[[responses.RequestsMock, dict[str, Any], bool], None]] = {
    "amazon": _serve_amazon,
    "ebay": _serve_ebay,
    "medusa": _serve_medusa,
}


def connector(case: GoldenCase) -> RestStorefrontConnector[Any]:
    return CONNECTORS[case.platform]()


def serve(api: responses.RequestsMock, case: GoldenCase, checked: bool = True) -> None:
    """Answer the connector's requests for ``case`` as the platform would; ``checked``:
    validated against the platform's published schema first (a bad-input case is not)."""
    SERVE[case.platform](api, case.payload, checked)


def pull_records(case: GoldenCase) -> list[RawRecord]:
    """The records the connector's pull builds for ``case`` (every faked call must be made)."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        serve(api, case)
        pages = connector(case).iter_order_pages(datetime(2020, 1, 1, tzinfo=UTC))
        return [record for page in pages for record in page.records]


def map_pulled(case: GoldenCase) -> Order:
    """``case`` pulled by its connector and mapped as the ingest service maps it."""
    (record,) = pull_records(case)
    channel = ChannelRef(1, 1, f"{case.platform}-golden", case.platform, "EUR", {})
    return map_record(channel, dict(record.payload))


def pull_into(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    case: GoldenCase,
    checked: bool = True,
    channel_id: int | None = None,
) -> int:
    """``case`` pulled once by the sync service (archive, map, store, allocate) into the
    channel ``channel_id`` (default: a new channel of the case's platform); its id."""
    if channel_id is None:
        uow = UnitOfWork(session_factory, tenant_id)  # the service opens and commits it
        created = catalog.create_channel(uow, f"{case.platform}-golden", case.platform, "EUR")
        assert created.id is not None
        channel_id = created.id
    built = connector(case)
    ctx = SyncContext(session_factory, RegistryConnectors(open_connection=lambda s, c: built))
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        serve(api, case, checked)
        report = pull(ctx, InlineDispatcher(ctx), tenant_id, channel_id)
    assert report.records == 1, report
    return channel_id


def ingest_by_pull(
    session_factory: sessionmaker[Session],
    tenant_id: int,
    case: GoldenCase,
    expected: dict[str, Any],
) -> list[str]:
    """Pull ``case`` through the sync service (archive, map, store, allocate) into the
    database behind ``session_factory``, read the stored order back and give every
    ``expected`` fact it does not carry."""
    channel_id = pull_into(session_factory, tenant_id, case)
    with UnitOfWork(session_factory, tenant_id) as uow:
        failed = list(
            uow.session.execute(
                select(sync_errors.c.reason).where(sync_errors.c.channel_id == channel_id)
            ).scalars()
        )
        assert not failed, f"{case.id} landed in the error queue: {failed}"
        o = t.orders.c
        order_id = uow.session.execute(select(o.id).where(o.channel_id == channel_id)).scalar_one()
        stored = uow.orders.get(order_id)
        # the totals self-check agreed with the platform: nothing holds it from invoicing
        assert stored.invoice_hold is None, f"{case.id}: {stored.invoice_hold}"
        return mismatches(stored, expected)
