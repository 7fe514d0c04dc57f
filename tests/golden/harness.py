"""Running golden cases through the connectors' real paths: a pull with HTTP faked at the
edge (`responses`, shaped as the official API) and the signed webhook endpoint with ingest
on a real database. The stored order is read back for comparison with `expected`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.orders import Order
from hub.services import catalog
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import RegistryConnectors, SyncContext
from hub.sync_config import SyncSettings
from mapping.mapper import Context
from tests.conftest import Database
from tests.golden.cases import GoldenCase, mismatches

SECRET = "golden-webhook-secret"

# Facts the hub itself decides once an order is stored: its workflow status (an order
# whose SKUs are not linked yet is held, whatever the platform said). The mapped order
# is compared with them; the stored one without.
HUB_OWNED = frozenset({"status", "status_reason"})


def context(platform: str) -> Context:
    return Context(1, 2, platform, extra={"channel_name": f"{platform}-golden"})


def compare(order: Any, case: GoldenCase, skip: frozenset[str] = frozenset()) -> list[str]:
    expected = {k: v for k, v in case.expected.items() if k not in skip}
    return mismatches(order, expected)


def with_http(case: GoldenCase) -> Any:
    """The payload as a WooCommerce pull hands it to the mapper (with the refunds the
    connector read); other platforms' payloads as they are."""
    details = [body for path, body in case.http.items() if path.endswith("/refunds")]
    return {**case.payload, "refund_details": details[0]} if details else case.payload


def stated_disagreements(order: Order) -> list[str]:
    """Each total the platform states that the order's own arithmetic does not reach."""
    stated = order.stated_totals
    assert stated is not None, "the mapper keeps the platform's stated totals"
    ours = {
        "total": order.grand_total,
        "subtotal": order.subtotal,
        "tax": order.tax_total,
        "discounts": order.discount_total,
        "shipping": order.shipping_total,
        "fees": order.fee_total,
    }
    return [
        f"{name}: ours {ours[name]} != stated {figure}"
        for name, figure in stated.figures().items()
        if figure is not None and figure != ours[name]
    ]


@dataclass
class WebhookChannel:
    db: Database
    tenant: Callable[[], UnitOfWork]
    channel_id: int
    client: TestClient

    def post(self, body: bytes, headers: dict[str, str]) -> Any:
        return self.client.post(f"/webhooks/{self.channel_id}", content=body, headers=headers)

    def stored_mismatches(
        self, external_id: str, case: GoldenCase, skip: frozenset[str] = HUB_OWNED
    ) -> list[str]:
        """The stored order against `expected` (read inside its unit of work)."""
        with self.tenant() as uow:
            o = t.orders.c
            found = uow.session.execute(
                select(o.id).where(o.channel_id == self.channel_id, o.external_id == external_id)
            ).scalar()
            if found is None:
                e, i = sync_errors.c, inbox_records.c
                mine = self.channel_id
                errors = uow.session.execute(
                    select(e.record, e.field, e.reason).where(e.channel_id == mine)
                ).all()
                inbox = uow.session.execute(
                    select(i.status, i.external_id).where(i.channel_id == mine)
                ).all()
                return [f"order {external_id} not stored; inbox {inbox}; errors: {errors}"]
            order: Order = uow.orders.get(int(found))
            # The hub's own totals self-check ran on ingest: it must agree with the platform.
            held = [f"invoice hold: {order.invoice_hold}"] if order.invoice_hold else []
            return held + compare(order, case, skip)


def webhook_channel(
    db: Database,
    tenant: Callable[[], UnitOfWork],
    platform: str,
    currency: str,
    connection: dict[str, Any],
) -> WebhookChannel:
    """A channel served by the platform's real connector (found by its registry name)."""
    name = f"{platform}-{uuid.uuid4().hex[:8]}"
    channel = catalog.create_channel(tenant(), name, platform, currency)
    with tenant() as uow:
        uow.session.execute(
            update(t.channels)
            .where(t.channels.c.id == channel.id)
            .values(settings={"connector": platform, "connection": connection})
        )
        uow.commit()
    ctx = SyncContext(db.session_factory, RegistryConnectors(), SyncSettings())
    app = create_app(Hub(Settings(database_url=db.url)), sync=ctx, dispatcher=InlineDispatcher(ctx))
    assert channel.id is not None
    return WebhookChannel(db, tenant, channel.id, TestClient(app))
