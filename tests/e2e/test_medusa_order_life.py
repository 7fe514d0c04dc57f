"""An order's later life on a real Medusa v2 server reaches the hub's stock and books.

The test places its own fresh orders through Medusa's Store API (cart -> complete, as
a shopper does), so the peer's seeded orders stay as test_medusa_peer expects them.
Then it acts as a merchant through Medusa's Admin API (../shared/specs/medusa
openapi.full.yaml), and after each step the hub pulls twice (the second pull must
change nothing):

- ``POST /admin/payments/{id}/capture``: a late payment. Medusa does not move the
  order's ``updated_at`` on a capture, so the hub has to notice it some other way; the
  invoice is posted once.
- ``POST /admin/orders/{id}/fulfillments`` with a ``location_id``, then
  ``POST /admin/orders/{id}/fulfillments/{fulfillment_id}/shipments``: stock leaves once,
  from the linked warehouse. The hub pushes no fulfilment of its own back to Medusa.
- A return (``POST /admin/returns`` ... ``/receive/confirm``) received at the Outlet
  Store: Medusa restocks the whole units there and writes damaged ones off. The hub puts
  the same units into the warehouse linked to that location. A return moves no money,
  so it gets no credit note.
- ``POST /admin/payments/{id}/refund`` with an ``amount``: a partial refund becomes a
  credit note. Medusa's refund is money only. It names no line and moves no stock.
- ``POST /admin/orders/{id}/cancel`` on an order that was authorized but not captured:
  Medusa cancels the payment and drops its reservations, the hub releases its own, and
  nothing is invoiced.

The books are a real Beancount ledger (checked with bean-check). The peer is reused when
it is running (peer.env and /health), else started as test_medusa_peer starts it.
Marked ``medusa``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from connectors.base import RawRecord
from connectors.shop_platforms.medusa import MedusaConfig, MedusaConnector
from connectors.toolkit import ConnectorContext, LocalRateBudgets
from hub.db.accounting_store import DocumentStore
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import DocumentKind
from hub.domain.money import Money
from hub.services import (
    accounting_mapping,
    catalog,
    fulfilment,
    inbox,
    ingest,
    inventory,
    order_books,
    order_push,
    posting,
)
from hub.services.accounting_books import connection_id
from hub.services.channel_locations import link_location, link_locations
from hub.services.demo_channel import connect_channel, run_channel
from hub.services.sync_context import RegistryConnectors, SyncContext
from mapping.accounting import ChartEntry, TaxEntry
from tests.conftest import Database
from tests.e2e.test_medusa_peer import SKUS, peer
from tests.integration.books_setup import CHART, set_policy
from tests.integration.test_beancount_books import bean_check

pytestmark = pytest.mark.medusa
__all__ = ["peer"]  # the module-scoped fixture: one peer for both modules

Tenant = Callable[[], UnitOfWork]
CHANNEL = "medusa-eu"
STOCK = 60  # hub stock of each SKU at MAIN


class Medusa:
    """The peer's Store API (as a shopper) and Admin API (as the merchant)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.base = env["MEDUSA_URL"]

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        if path.startswith("/store/"):
            kw["headers"] = {"x-publishable-api-key": self.env["MEDUSA_PUBLISHABLE_KEY"]}
        else:
            kw["auth"] = (self.env["MEDUSA_SECRET_API_KEY"], "")
        answer = requests.request(method, self.base + path, timeout=60, **kw)
        assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        return self._call(method, path, **kw)

    def place(self, email: str, items: dict[str, int]) -> dict[str, Any]:
        """A shopper's checkout: POST /store/carts, /store/carts/{id} (addresses),
        /store/carts/{id}/shipping-methods, /store/payment-collections and its
        payment-sessions (pp_system_default authorizes at once), /store/carts/{id}/complete."""
        variants = {
            v["sku"]: v["id"]
            for v in self.admin(
                "GET", "/admin/product-variants", params={"sku[]": list(items), "fields": "id,sku"}
            )["variants"]
        }
        lines = [{"variant_id": variants[sku], "quantity": q} for sku, q in items.items()]
        cart = self._call(
            "POST",
            "/store/carts",
            json={
                "region_id": self.env["MEDUSA_REGION_ID"],
                "sales_channel_id": self.env["MEDUSA_SALES_CHANNEL_ID"],
                "email": email,
                "items": lines,
            },
        )["cart"]["id"]
        address = {
            "first_name": "Carol",
            "last_name": "Example",
            "address_1": "Hauptstr. 1",
            "city": "Berlin",
            "postal_code": "10115",
            "country_code": "de",
        }
        self._call(
            "POST",
            f"/store/carts/{cart}",
            json={"shipping_address": address, "billing_address": address},
        )
        options = self._call("GET", "/store/shipping-options", params={"cart_id": cart})
        standard = next(o for o in options["shipping_options"] if o["name"] == "Standard Shipping")
        self._call(
            "POST", f"/store/carts/{cart}/shipping-methods", json={"option_id": standard["id"]}
        )
        collection = self._call("POST", "/store/payment-collections", json={"cart_id": cart})
        pc = collection["payment_collection"]["id"]
        self._call(
            "POST",
            f"/store/payment-collections/{pc}/payment-sessions",
            json={"provider_id": "pp_system_default"},
        )
        done = self._call("POST", f"/store/carts/{cart}/complete", json={})
        assert done["type"] == "order", done
        return self.order(done["order"]["id"])

    def order(self, order_id: str) -> dict[str, Any]:
        fields = (
            "id,status,payment_status,fulfillment_status,canceled_at,*items,"
            "*payment_collections.payments,*fulfillments"
        )
        found = self.admin("GET", f"/admin/orders/{order_id}", params={"fields": fields})
        return dict(found["order"])

    def payment(self, order: dict[str, Any]) -> str:
        return str(order["payment_collections"][0]["payments"][0]["id"])

    def reservations(self, order: dict[str, Any]) -> int:
        lines = [i["id"] for i in order["items"]]
        found = self.admin("GET", "/admin/reservations", params={"line_item_id[]": lines})
        return int(found["count"])

    def stocked(self, sku: str, location: str) -> int:
        found = self.admin(
            "GET",
            "/admin/inventory-items",
            params={"sku[]": [sku], "fields": "id,sku,*location_levels"},
        )
        for level in found["inventory_items"][0]["location_levels"]:
            if level["location_id"] == location:
                return int(level["stocked_quantity"])
        return 0

    def receive_return(
        self, order_id: str, line: str, location: str, kept: int, damaged: int
    ) -> str:
        """The merchant's return flow, Admin API: POST /admin/returns {order_id,
        location_id}, /admin/returns/{id}/request-items, /admin/returns/{id}/request,
        /admin/returns/{id}/receive, /admin/returns/{id}/receive-items (back to stock),
        /admin/returns/{id}/dismiss-items (damaged: written off), and
        /admin/returns/{id}/receive/confirm."""
        ret = self.admin(
            "POST", "/admin/returns", json={"order_id": order_id, "location_id": location}
        )
        rid = str(ret["return"]["id"])
        asked = [{"id": line, "quantity": kept + damaged}]
        self.admin("POST", f"/admin/returns/{rid}/request-items", json={"items": asked})
        self.admin("POST", f"/admin/returns/{rid}/request", json={})
        self.admin("POST", f"/admin/returns/{rid}/receive", json={})
        items = [{"id": line, "quantity": kept}]
        self.admin("POST", f"/admin/returns/{rid}/receive-items", json={"items": items})
        if damaged:
            items = [{"id": line, "quantity": damaged}]
            self.admin("POST", f"/admin/returns/{rid}/dismiss-items", json={"items": items})
        self.admin("POST", f"/admin/returns/{rid}/receive/confirm", json={})
        return rid

    def available_at_main(self, sku: str) -> int:
        found = self.admin(
            "GET",
            "/admin/inventory-items",
            params={"sku[]": [sku], "fields": "id,sku,*location_levels"},
        )
        for level in found["inventory_items"][0]["location_levels"]:
            if level["location_id"] == self.env["MEDUSA_LOCATION_MAIN"]:
                return int(level["stocked_quantity"]) - int(level["reserved_quantity"])
        raise AssertionError(f"{sku} has no level at the Main Warehouse")


class Hub:
    """A hub with MAIN linked to Medusa's Main Warehouse, the Medusa channel, and books."""

    def __init__(self, db: Database, tenant: Tenant, medusa: Medusa, ledger: Path) -> None:
        self.tenant = tenant
        catalog.create_warehouse(tenant(), "MAIN", "Main Warehouse", country="DE", priority=10)
        # Where returns go back to; the channel sells from MAIN only.
        catalog.create_warehouse(tenant(), "OUTLET", "Outlet Store", country="DE", priority=20)
        items = medusa.admin(
            "GET", "/admin/inventory-items", params={"sku[]": list(SKUS), "fields": "id,sku"}
        )["inventory_items"]
        listed = {i["sku"]: {"channel_inventory_item_id": i["id"]} for i in items}
        for sku in SKUS:
            catalog.create_sku(tenant(), sku, sku, Money.of("10.00", "EUR"))
            inventory.adjust_to_count(tenant(), "MAIN", sku, STOCK, actor="test", reason="seed")
        catalog.create_channel(tenant(), CHANNEL, "medusa", "EUR")
        connection = {"base_url": medusa.base, "api_key": medusa.env["MEDUSA_SECRET_API_KEY"]}
        connect_channel(tenant, CHANNEL, "medusa", connection, listed, ["MAIN"])
        self.ctx = SyncContext(db.session_factory, RegistryConnectors(budgets=LocalRateBudgets()))
        tenant_id = tenant().tenant_id
        assert tenant_id is not None
        self.tenant_id = tenant_id
        links = link_locations(self.ctx, tenant_id, CHANNEL)
        assert links.linked == {"MAIN": medusa.env["MEDUSA_LOCATION_MAIN"]}
        # `hub channel link-location`: returns to the Outlet Store go into OUTLET.
        link_location(self.ctx, tenant_id, CHANNEL, medusa.env["MEDUSA_LOCATION_OUTLET"], "OUTLET")
        accounting_mapping.create_connection(
            tenant(), "books", "beancount", {"ledger_path": str(ledger)}
        )
        accounting_mapping.set_accounts(
            tenant(), "books", [ChartEntry(r, c) for r, c in CHART.items()]
        )
        # Medusa's tax line code for the region's DE VAT 19 % rate (tp_system).
        accounting_mapping.set_tax_codes(tenant(), "books", [TaxEntry("DE19", "DE19")])
        set_policy(tenant, home="EUR")  # posting point: payment
        self.books = BeancountConnector(BeancountConfig(ledger_path=str(ledger)))
        config = MedusaConfig(base_url=medusa.base, api_key=medusa.env["MEDUSA_SECRET_API_KEY"])
        self.connector = MedusaConnector(config, ConnectorContext())
        self.seen: list[RawRecord] = []

    def pull(self) -> dict[str, str]:
        run = run_channel(self.ctx, self.tenant_id, CHANNEL)
        return {o["external_id"]: o["status"] for o in run.orders}

    def pull_twice(self, order_id: str) -> tuple[str, tuple[int, int]]:
        """Pull, note the order's status and the stock, pull again: nothing may move."""
        first = self.pull()[order_id], self.levels()
        assert (self.pull()[order_id], self.levels()) == first
        return first

    def snapshot(self, order_id: str) -> RawRecord:
        """The order as the connector reads it now (GET /admin/orders/{id}), to deliver
        again later: a webhook or poll arriving late, out of order."""
        self.seen.append(self.connector.get_order(order_id))
        return self.seen[-1]

    def redeliver(self, records: list[RawRecord]) -> list[str]:
        with self.ctx.uow(self.tenant_id) as uow:
            channel_id = uow.channels.by_key(CHANNEL).id
            assert channel_id is not None
            ids = inbox.archive(uow.session, self.tenant_id, channel_id, records, "webhook")
            uow.commit()
        return [o.result for o in ingest.process_many(self.ctx, self.tenant_id, ids)]

    def levels(self) -> tuple[int, int]:
        """(on hand, reserved) of every SKU at MAIN, summed: one figure per pull."""
        on_hand = reserved = 0
        for line in inventory.stock_report(self.tenant()):
            on_hand, reserved = on_hand + line.on_hand, reserved + line.reserved
        return on_hand, reserved

    def level(self, sku: str, warehouse: str = "MAIN") -> tuple[int, int]:
        for line in inventory.stock_report(self.tenant()):
            if line.sku == sku and line.warehouse == warehouse:
                return line.on_hand, line.reserved
        return 0, 0

    def available(self, sku: str) -> int:
        return sum(x.available for x in inventory.stock_report(self.tenant()) if x.sku == sku)

    def post(self, order_id: str) -> list[str]:
        """Follow the order changes, post what is due; the keys posted for this order
        (other orders on the peer, seeded or from earlier runs, get theirs too)."""
        order_books.follow_order_changes(self.tenant)
        posted = posting.post_pending_documents(self.tenant, "books", self.books).posted
        return sorted(k for k in posted if order_id in k)

    def documents(self, order_id: str) -> dict[str, DocumentKind]:
        with self.tenant() as uow:
            assert uow.tenant_id is not None
            store = DocumentStore(uow.session, uow.tenant_id)
            found = store.documents(connection_id(uow, "books"))
            return {d.key: d.kind for d in found if order_id in d.key}


@pytest.fixture
def medusa(peer: dict[str, str]) -> Medusa:
    return Medusa(peer)


def test_capture_shipment_and_partial_refund_reach_stock_and_books_once(
    db: Database, tenant: Tenant, medusa: Medusa, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    hub = Hub(db, tenant, medusa, ledger)
    hub.pull()  # whatever the peer already holds comes in first
    cap_before = hub.level("HUB-CAP-RED")

    order = medusa.place("carol@example.com", {"HUB-CAP-RED": 3})
    oid, line = order["id"], order["items"][0]["id"]
    assert order["payment_status"] == "authorized"
    status, _ = hub.pull_twice(oid)
    hub.snapshot(oid)
    assert status == "allocated"
    assert hub.level("HUB-CAP-RED") == (cap_before[0], cap_before[1] + 3)
    assert hub.post(oid) == []  # authorized only: nothing owed yet (posting point: payment)

    # Late payment: POST /admin/payments/{id}/capture (body {}). The order's updated_at
    # stays; only the payment records move.
    medusa.admin("POST", f"/admin/payments/{medusa.payment(order)}/capture", json={})
    assert medusa.order(oid)["payment_status"] == "captured"
    status, _ = hub.pull_twice(oid)
    hub.snapshot(oid)
    assert status == "allocated"
    invoice = hub.post(oid)
    assert len(invoice) == 1 and invoice[0].endswith(f":order:{oid}")
    assert hub.documents(oid) == {invoice[0]: DocumentKind.SALES_RECEIPT}
    assert hub.post(oid) == []  # posted once
    assert hub.level("HUB-CAP-RED") == (cap_before[0], cap_before[1] + 3)

    # The merchant ships on Medusa: POST /admin/orders/{id}/fulfillments from the Main
    # Warehouse (Medusa lowers its stocked_quantity and drops its reservation), then
    # POST /admin/orders/{id}/fulfillments/{fulfillment_id}/shipments.
    main = medusa.env["MEDUSA_LOCATION_MAIN"]
    items = [{"id": line, "quantity": 3}]
    medusa.admin(
        "POST", f"/admin/orders/{oid}/fulfillments", json={"items": items, "location_id": main}
    )
    fulfillment = medusa.order(oid)["fulfillments"][0]["id"]
    medusa.admin(
        "POST", f"/admin/orders/{oid}/fulfillments/{fulfillment}/shipments", json={"items": items}
    )
    status, _ = hub.pull_twice(oid)
    hub.snapshot(oid)
    assert status == "shipped"
    assert hub.level("HUB-CAP-RED") == (cap_before[0] - 3, cap_before[1])  # out once
    after = medusa.order(oid)
    assert after["fulfillment_status"] == "shipped"
    assert len(after["fulfillments"]) == 1  # the hub pushed no fulfilment of its own back
    assert medusa.reservations(after) == 0
    # Medusa sells what the hub says is left.
    assert medusa.available_at_main("HUB-CAP-RED") == hub.available("HUB-CAP-RED")
    assert hub.post(oid) == []  # a shipment is no new document under "payment"

    # Two caps come back to the Outlet Store: one whole, one damaged. Medusa puts the
    # whole one into stock there and writes the damaged one off; a return moves no money.
    outlet = medusa.env["MEDUSA_LOCATION_OUTLET"]
    outlet_before = medusa.stocked("HUB-CAP-RED", outlet)
    rid = medusa.receive_return(oid, line, outlet, kept=1, damaged=1)
    assert medusa.stocked("HUB-CAP-RED", outlet) == outlet_before + 1
    status, _ = hub.pull_twice(oid)
    hub.snapshot(oid)
    assert status == "shipped"
    assert hub.level("HUB-CAP-RED", "OUTLET") == (1, 0)  # the linked warehouse, once
    assert hub.level("HUB-CAP-RED") == (cap_before[0] - 3, cap_before[1])
    assert hub.post(oid) == []  # no money moved: no credit note
    assert not any(rid in key for key in hub.documents(oid))

    # The refund Medusa then owes (its pending difference is -15 for the whole cap):
    # POST /admin/payments/{id}/refund {"amount": 15}. Money only.
    medusa.admin(
        "POST",
        f"/admin/payments/{medusa.payment(order)}/refund",
        json={"amount": 15, "note": "one cap arrived damaged"},
    )
    assert medusa.order(oid)["payment_status"] == "partially_refunded"
    status, _ = hub.pull_twice(oid)
    hub.snapshot(oid)
    assert status == "shipped"
    assert hub.level("HUB-CAP-RED") == (cap_before[0] - 3, cap_before[1])  # no stock moved
    assert hub.level("HUB-CAP-RED", "OUTLET") == (1, 0)
    credit = hub.post(oid)
    assert len(credit) == 1 and credit[0].startswith(f"{invoice[0]}:refund:ref_")
    assert hub.documents(oid)[credit[0]] is DocumentKind.CREDIT_NOTE
    assert hub.post(oid) == []
    assert bean_check(ledger).returncode == 0
    text = ledger.read_text()
    assert text.count(f'hub_id: "{invoice[0]}"') == 1
    assert text.count(f'hub_id: "{credit[0]}"') == 1
    # Every earlier picture of the order arrives again, newest first then oldest: each
    # is older than what the hub holds (or the same), so nothing more happens.
    settled = hub.levels(), hub.level("HUB-CAP-RED", "OUTLET"), hub.documents(oid)
    results = hub.redeliver([*reversed(hub.seen), *hub.seen])
    assert set(results) <= {"stale", "same", "duplicate"}, results
    assert (hub.levels(), hub.level("HUB-CAP-RED", "OUTLET"), hub.documents(oid)) == settled
    assert hub.post(oid) == []
    assert inventory.verify_ledger(tenant()) == []


def test_cancelling_an_uncaptured_order_releases_its_stock_and_books_nothing(
    db: Database, tenant: Tenant, medusa: Medusa, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    hub = Hub(db, tenant, medusa, ledger)
    hub.pull()
    before = hub.level("HUB-TSHIRT-M")

    order = medusa.place("dave@example.com", {"HUB-TSHIRT-M": 2})
    oid = order["id"]
    status, _ = hub.pull_twice(oid)
    assert status == "allocated"
    assert hub.level("HUB-TSHIRT-M") == (before[0], before[1] + 2)
    assert medusa.reservations(order) == 1  # Medusa's own reservation for the line

    # POST /admin/orders/{id}/cancel: allowed while nothing is captured or fulfilled.
    medusa.admin("POST", f"/admin/orders/{oid}/cancel", json={})
    cancelled = medusa.order(oid)
    assert (cancelled["status"], cancelled["payment_status"]) == ("canceled", "canceled")
    assert cancelled["canceled_at"]
    status, _ = hub.pull_twice(oid)
    assert status == "cancelled"
    assert hub.level("HUB-TSHIRT-M") == before  # released, nothing left the shelf
    assert medusa.reservations(cancelled) == 0
    assert hub.post(oid) == []
    assert hub.documents(oid) == {}  # nothing invoiced, so nothing to void
    assert not ledger.exists() or oid not in ledger.read_text()
    assert inventory.verify_ledger(tenant()) == []


def test_the_hubs_own_shipment_echoed_back_by_medusa_takes_stock_out_once(
    db: Database, tenant: Tenant, medusa: Medusa, tmp_path: Path
) -> None:
    hub = Hub(db, tenant, medusa, tmp_path / "books.beancount")
    hub.pull()
    before = hub.level("HUB-MUG-001")
    order = medusa.place("erin@example.com", {"HUB-MUG-001": 2})
    oid = order["id"]
    assert hub.pull_twice(oid)[0] == "allocated"
    with tenant() as uow:
        stored = uow.orders.by_external_id(uow.channels.by_key(CHANNEL).id, oid)
        assert stored is not None and stored.id is not None
        order_id = stored.id
    tracking = order_push.Tracking("DHL", "JD0146000001", "https://dhl.example/JD0146000001")
    fulfilment.ship(tenant(), order_id, actor="warehouse", tracking=tracking)
    assert hub.level("HUB-MUG-001") == (before[0] - 2, before[1])
    # The outbox's order.fulfilled goes to Medusa: POST /admin/orders/{id}/fulfillments
    # (from the channel's push location, Main) and .../fulfillments/{fid}/shipments.
    pushed = order_push.deliver(hub.ctx, hub.tenant_id)
    assert pushed.pushed == 1 and pushed.failed == []
    echoed = medusa.order(oid)
    assert echoed["fulfillment_status"] == "shipped"
    assert [f["location_id"] for f in echoed["fulfillments"]] == [
        medusa.env["MEDUSA_LOCATION_MAIN"]
    ]
    # Medusa now reports the units fulfilled: the hub finds nothing new in it.
    assert hub.pull_twice(oid)[0] == "shipped"
    assert hub.level("HUB-MUG-001") == (before[0] - 2, before[1])  # out once, not twice
    assert len(medusa.order(oid)["fulfillments"]) == 1  # nothing pushed a second time
    assert order_push.deliver(hub.ctx, hub.tenant_id).pushed == 0
    assert medusa.available_at_main("HUB-MUG-001") == hub.available("HUB-MUG-001")
    assert inventory.verify_ledger(tenant()) == []
