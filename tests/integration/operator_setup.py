"""Two tenants with the same codes (BER, SKU-A, channel `web`) but distinct markers in
their data, tokens for every role, and an app whose requests can be aimed at either."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from connectors.base import RawRecord
from hub.api import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.db import tables as t
from hub.db.tables import metadata
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.domain.orders import OrderStatus
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services import (
    accounting_mapping,
    allocation,
    audit,
    catalog,
    connections,
    inbox,
    purchasing,
    tokens,
)
from hub.services.reconciliation_runs import record_channel
from hub.services.tokens import Role
from reconciliation.channels import ChannelReport
from tests.conftest import Database
from tests.fakes import memshop
from tests.fakes.memshop import woo_order
from tests.integration.books_setup import set_policy
from tests.integration.sync_setup import SyncShop, sync_shop


@dataclass
class Tenant:
    id: int
    marker: str  # appears in this tenant's data only
    shop: SyncShop
    tokens: dict[Role, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def uow(self, db: Database) -> UnitOfWork:
        return db.uow(self.id)


@dataclass
class World:
    db: Database
    hub: Hub
    client: TestClient
    a: Tenant
    b: Tenant

    def call(
        self, token: str | None, method: str, url: str, body: Any = None, **headers: str
    ) -> Any:
        if token is not None:
            headers = {"Authorization": f"Bearer {token}", **headers}
        return self.client.request(method, url, json=body, headers=headers)


def _tenant(db: Database, marker: str) -> Tenant:
    created = catalog.create_tenant(db.uow(), f"{marker.lower()}-{uuid.uuid4().hex[:8]}", marker)
    assert created.id is not None
    tid = created.id

    def uow() -> UnitOfWork:
        return db.uow(tid)

    s = sync_shop(db, uow, {("BER", "SKU-A"): 50, ("NJ", "SKU-A"): 20, ("BER", "SKU-B"): 3})
    tenant = Tenant(tid, marker, s)
    for name, status in (("held", OrderStatus.ON_HOLD), ("held2", OrderStatus.ON_HOLD)):
        tenant.ids[name] = s.shop.order(
            [("SKU-A", 1)], status=status, external_id=f"{marker}-{name}"
        )
    tenant.ids["allocated"] = s.shop.order([("SKU-A", 2)], external_id=f"{marker}-alloc")
    tenant.ids["invoice_held"] = tenant.ids["allocated"]  # held by the totals self-check
    allocation.allocate(uow(), tenant.ids["allocated"])
    catalog.create_supplier(uow(), "ALPS", "Alps", "EUR")
    purchasing.create_purchase_order(
        uow(), "PO-1", "ALPS", "BER", [("SKU-A", 1000, Money.of("1", "EUR"))]
    )
    for number in ("PO-DRAFT", "PO-OPEN"):  # approved / cancelled by the samples
        purchasing.create_purchase_order(
            uow(), number, "ALPS", "BER", [("SKU-A", 5, Money.of("1", "EUR"))]
        )
    with uow() as u:
        u.purchase_orders.by_key("PO-DRAFT").status = PurchaseOrderStatus.DRAFT
        u.commit()
    with uow() as u:
        u.session.execute(
            update(t.orders)
            .where(t.orders.c.tenant_id == tid)
            .values(customer_name=f"{marker} buyer")
        )
        u.session.execute(
            update(t.orders)
            .where(t.orders.c.id == tenant.ids["invoice_held"])
            .values(invoice_hold="totals: total 2.00 EUR (ours) != 2.01 EUR (platform)")
        )
        payload = woo_order(900, "2026-11-01T10:00:00", [("NO-SUCH-SKU", 1)])
        record = RawRecord("order", "900", datetime(2026, 11, 1, 10, tzinfo=UTC), payload)
        [inbox_id] = inbox.archive(u.session, tid, s.channel_id, [record], "poll")
        tenant.ids["error"] = inbox.record_error(
            u.session,
            tid,
            s.channel_id,
            inbox_id,
            "map",
            "order 900",
            "sku",
            f"{marker} reason: unknown SKU",
        )
        report = ChannelReport(channel=f"{marker}-scope", missing_orders=[f"{marker}-missing"])
        tenant.ids["run"] = record_channel(u.session, tid, report)
        audit.record(u.session, tid, "seed", "seed", f"{marker}-target")
        for role in Role:
            tenant.tokens[role] = tokens.create_token(u.session, tid, f"{marker}-{role}", role)
        u.commit()
    connections.add_connection(
        uow(),
        _box(db),
        memshop.registry(),
        connector="memshop",
        display_name=f"{marker}-conn",
        values={"shop": f"{marker}-shop", "webhook_secret": "whsec-" + marker},
    )
    # The books the finance reports' sample requests name (`?books=books`).
    ledger = Path(tempfile.mkdtemp()) / f"{marker}.beancount"
    accounting_mapping.create_connection(uow(), "books", "beancount", {"ledger_path": str(ledger)})
    set_policy(uow, home="EUR")
    return tenant


def _box(db: Database) -> Any:
    return Hub(Settings(database_url=db.url)).secret_box


def world(db: Database) -> World:
    hub = Hub(Settings(database_url=db.url))
    hub.__dict__["connectors"] = memshop.registry()  # the connections here use the fake
    a = _tenant(db, "ALFA")
    b = _tenant(db, "ZBRAVO")
    app = create_app(hub, sync=a.shop.ctx, dispatcher=a.shop.dispatcher)
    return World(db, hub, TestClient(app), a, b)


def fingerprint(db: Database, tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every tenant-scoped table: equal before and after means untouched."""
    result = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if "tenant_id" not in table.c:
                continue
            rows = conn.execute(select(table).where(table.c.tenant_id == tenant_id)).all()
            result[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return result


def samples(target: Tenant) -> dict[tuple[str, str], tuple[str, Any]]:
    """One valid request per route, aimed at `target`'s records."""
    ids = target.ids
    v = "/api/v1"
    return {
        ("GET", f"{v}/orders"): (f"{v}/orders", None),
        ("GET", f"{v}/orders/{{order_id}}"): (f"{v}/orders/{ids['held']}", None),
        ("GET", f"{v}/orders/{{order_id}}/raw"): (f"{v}/orders/{ids['held']}/raw", None),
        ("POST", f"{v}/orders/{{order_id}}/approve"): (f"{v}/orders/{ids['held']}/approve", {}),
        ("POST", f"{v}/orders/{{order_id}}/reject"): (f"{v}/orders/{ids['held2']}/reject", {}),
        ("POST", f"{v}/orders/{{order_id}}/shipments"): (
            f"{v}/orders/{ids['allocated']}/shipments",
            {"carrier": "DHL", "tracking_number": "123"},
        ),
        ("POST", f"{v}/orders/{{order_id}}/release-invoice"): (
            f"{v}/orders/{ids['invoice_held']}/release-invoice",
            {"note": "checked on the platform"},
        ),
        ("GET", f"{v}/held-orders"): (f"{v}/held-orders", None),
        ("GET", f"{v}/stock"): (f"{v}/stock", None),
        ("GET", f"{v}/stock/channels"): (f"{v}/stock/channels", None),
        ("GET", f"{v}/purchase-orders"): (f"{v}/purchase-orders", None),
        ("GET", f"{v}/purchase-orders/{{number}}"): (f"{v}/purchase-orders/PO-1", None),
        ("POST", f"{v}/purchase-orders/{{number}}/approve"): (
            f"{v}/purchase-orders/PO-DRAFT/approve",
            {},
        ),
        ("POST", f"{v}/purchase-orders/{{number}}/cancel"): (
            f"{v}/purchase-orders/PO-OPEN/cancel",
            {},
        ),
        ("POST", f"{v}/purchase-orders/drafts"): (
            f"{v}/purchase-orders/drafts",
            {"supplier": "ALPS"},
        ),
        ("POST", f"{v}/stock/receipts"): (
            f"{v}/stock/receipts",
            {"purchase_order": "PO-1", "quantities": {"SKU-A": 1}},
        ),
        ("POST", f"{v}/stock/adjustments"): (
            f"{v}/stock/adjustments",
            {"warehouse": "BER", "sku": "SKU-B", "counted": 7, "reason": "count"},
        ),
        ("POST", f"{v}/stock/transfers"): (
            f"{v}/stock/transfers",
            {
                "from_warehouse": "BER",
                "to_warehouse": "NJ",
                "sku": "SKU-A",
                "quantity": 1,
                "reason": "rebalance",
            },
        ),
        ("POST", f"{v}/stock/scrap"): (
            f"{v}/stock/scrap",
            {"warehouse": "BER", "sku": "SKU-A", "quantity": 1, "reason": "broken"},
        ),
        ("GET", f"{v}/errors"): (f"{v}/errors", None),
        ("GET", f"{v}/errors/{{error_id}}"): (f"{v}/errors/{ids['error']}", None),
        ("GET", f"{v}/sync/status"): (f"{v}/sync/status", None),
        ("POST", f"{v}/errors/{{error_id}}/replay"): (f"{v}/errors/{ids['error']}/replay", {}),
        ("GET", f"{v}/mappings/listings"): (f"{v}/mappings/listings", None),
        ("PUT", f"{v}/mappings/listings"): (
            f"{v}/mappings/listings",
            {"channel": "web", "channel_sku": "NO-SUCH-SKU", "sku": "SKU-B"},
        ),
        ("GET", f"{v}/connections"): (f"{v}/connections", None),
        ("POST", f"{v}/connections"): (
            f"{v}/connections",
            {
                "connector": "memshop",
                "display_name": f"new-{uuid.uuid4().hex[:6]}",
                "values": {"shop": "x", "webhook_secret": "whsec-new-secret"},
            },
        ),
        ("GET", f"{v}/books/connections"): (f"{v}/books/connections", None),
        ("POST", f"{v}/books/connections"): (
            f"{v}/books/connections",
            {
                "name": "api-books",
                "system": "beancount",
                "values": {"ledger_path": str(Path(tempfile.mkdtemp()) / "books.beancount")},
            },
        ),
        ("POST", f"{v}/books/authorizations"): (
            f"{v}/books/authorizations",
            {"redirect_url": "http://127.0.0.1:8765/callback?code=c&state=unknown"},
        ),
        ("POST", f"{v}/books/connections/{{name}}/test"): (
            f"{v}/books/connections/api-books/test",
            None,
        ),
        ("DELETE", f"{v}/books/connections/{{name}}"): (
            f"{v}/books/connections/api-books",
            None,
        ),
        ("GET", f"{v}/reconciliation/runs"): (f"{v}/reconciliation/runs", None),
        ("GET", f"{v}/reconciliation/runs/{{run_id}}"): (
            f"{v}/reconciliation/runs/{ids['run']}",
            None,
        ),
        ("GET", f"{v}/audit"): (f"{v}/audit", None),
        ("GET", f"{v}/reports/{{name}}"): (f"{v}/reports/sync-health", None),
        ("GET", f"{v}/reports/ar-aging"): (f"{v}/reports/ar-aging?books=books", None),
        ("GET", f"{v}/reports/ap-aging"): (f"{v}/reports/ap-aging?books=books", None),
        ("GET", f"{v}/reports/payout-clearing"): (
            f"{v}/reports/payout-clearing?books=books&since=2026-01-01",
            None,
        ),
        ("GET", f"{v}/payouts"): (f"{v}/payouts", None),
    }
