"""One refund may give back a line's units partly restocked, partly not (a Medusa return
with damaged units; a Shopify refund listing a line twice): each part keeps its own
restock flag. A refund that gives back no money (units back only) changes nothing owed:
no credit note. Shopify payloads through the real ingest path; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from hub.db import tables as t
from hub.db.accounting_store import DocumentStore
from hub.db.unit_of_work import UnitOfWork
from hub.services import fulfilment, order_books, posting
from hub.services.accounting_books import connection_id
from tests.conftest import Database
from tests.integration.books_setup import setup_books
from tests.integration.lifecycle_payloads import refund, shopify_order
from tests.integration.test_order_lifecycle_stock import NJ_LOCATION, _deliver, _shop

Tenant = Callable[[], UnitOfWork]


def test_restocked_and_written_off_units_of_one_line_in_one_refund(
    db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    s = _shop(db, tenant)
    ledger = tmp_path / "books.beancount"
    setup_books(tenant, {"ledger_path": str(ledger)}, home="EUR")
    books = BeancountConnector(BeancountConfig(ledger_path=str(ledger)))
    lines = [(11, "SKU-A", 3)]
    _deliver(s, shopify_order(5, "2026-11-01T09:00:00Z", lines))
    fulfilment.ship(s.shop.uow(), s.order_id("5"), actor="test")
    assert s.shop.level("BER", "SKU-A") == (7, 0)

    # Two units back, no money: one into NJ, one written off.
    back = refund(901, "2026-11-02T08:00:00Z", [(11, 1)], location_id=int(NJ_LOCATION),
                  price="0.00")  # fmt: skip
    written_off = refund(902, "2026-11-02T08:00:00Z", [(11, 1)], restock_type="no_restock",
                         price="0.00")  # fmt: skip
    back["refund_line_items"] += written_off["refund_line_items"]
    back["transactions"] = []  # nothing paid back: a restock without a refund
    returned = shopify_order(5, "2026-11-02T09:00:00Z", lines, shipped={11: 3}, refunds=[back])
    _deliver(s, returned, returned)
    assert s.shop.level("NJ", "SKU-A") == (6, 0)  # 5 + the one restocked, not both
    assert s.shop.level("BER", "SKU-A") == (7, 0)
    assert s.count(t.refunds, order_id=s.order_id("5")) == 1
    order_books.follow_order_changes(tenant)
    posted = posting.post_pending_documents(tenant, "books", books).posted
    assert [k for k in posted if k.endswith(":order:5")]  # the invoice, paid in full
    assert not [k for k in posted if ":refund:" in k]  # no money back: no credit note
    with tenant() as uow:
        assert uow.tenant_id is not None
        made = DocumentStore(uow.session, uow.tenant_id).documents(connection_id(uow, "books"))
        assert not [d.key for d in made if ":refund:" in d.key]  # none made, not just unposted
    assert s.shop.verify() == []
