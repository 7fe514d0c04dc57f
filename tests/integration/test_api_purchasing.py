"""Purchase orders through the REST API: list, show, approve, cancel, drafts from the
reorder report, each change audited; refusals are problems naming the order."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.tables_operator import audit_entries
from hub.services import inventory
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import world

V = "/api/v1/purchase-orders"


def test_an_operator_drafts_approves_and_cancels_purchase_orders(db: Database) -> None:
    w = world(db)
    ops = w.a.tokens[Role.OPERATIONS]
    listed = w.call(ops, "GET", V).json()
    assert {p["number"] for p in listed["items"]} == {"PO-1", "PO-DRAFT", "PO-OPEN"}
    shown = w.call(ops, "GET", f"{V}/PO-1").json()
    assert shown["status"] == "open" and shown["lines"][0]["ordered"] == 1000

    approved = w.call(ops, "POST", f"{V}/PO-DRAFT/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "open"
    again = w.call(ops, "POST", f"{V}/PO-DRAFT/approve", {})
    assert again.status_code == 409 and "PO-DRAFT" in again.json()["detail"]
    assert w.call(ops, "POST", f"{V}/PO-OPEN/cancel", {}).json()["status"] == "cancelled"
    assert w.call(ops, "GET", f"{V}/NOPE").status_code == 404

    uow = w.a.uow(db)
    inventory.set_safety_stock(uow, "BER", "SKU-B", 0, reorder_point=10)
    made = w.call(ops, "POST", f"{V}/drafts", {"supplier": "ALPS", "skus": ["SKU-B"]})
    assert made.status_code == 201
    (draft,) = made.json()["items"]
    assert draft["status"] == "draft" and draft["lines"][0]["sku"] == "SKU-B"
    assert draft["lines"][0]["unit_cost"]["currency"] == "EUR"
    drafts = w.call(ops, "GET", V, None).json()["items"]
    assert draft["number"] in {p["number"] for p in drafts if p["status"] == "draft"}
    with w.a.uow(db) as u:
        a = audit_entries.c
        actions = set(u.session.execute(select(a.action).where(a.tenant_id == w.a.id)).scalars())
    assert {"po.approve", "po.cancel", "po.draft"} <= actions
