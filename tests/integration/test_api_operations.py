"""The REST API doing its work: every route answers its sample, writes are audited with
before and after, filters and pagination behave, and bad input is refused whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hub.api.app import MAX_BODY_BYTES
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration import test_books_connect as books
from tests.integration.operator_setup import World, fingerprint, samples, world

V = "/api/v1"


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _admin(w: World, method: str, url: str, body: Any = None) -> Any:
    return w.call(w.a.tokens[Role.ADMIN], method, url, body)


@responses.activate
def test_every_route_answers_its_sample_request_with_success(w: World) -> None:
    routes = samples(w.a)
    # Finishing a books sign-in needs one that was started, and the books' token endpoint
    # and chart (faked at the edge as in test_books_connect).
    responses.add(responses.POST, books.XERO_TOKEN, json=books.XERO_TOKENS)
    responses.add(responses.GET, f"{books.XERO}/Accounts", json=books.XERO_ACCOUNTS)
    responses.add(responses.GET, f"{books.XERO}/TaxRates", json=books.XERO_TAX_RATES)
    started = _admin(w, "POST", f"{V}/books/connections", {
        "name": "xero", "system": "xero", "redirect_uri": books.REDIRECT,
        "values": {"xero_tenant_id": "tenant-7", "client_id": "XEROCLIENT",
                   "client_secret": books.CLIENT_SECRET},
    })  # fmt: skip
    assert started.status_code == 202, started.text
    state = parse_qs(urlsplit(started.json()["authorization_url"]).query)["state"][0]
    redirect = f"{books.REDIRECT}?code={books.CODE}&state={state}"
    key = ("POST", f"{V}/books/authorizations")
    routes[key] = (routes[key][0], {"redirect_url": redirect})
    for (method, _), (url, body) in routes.items():
        response = _admin(w, method, url, body)
        assert 200 <= response.status_code < 300, (url, response.text)


def test_a_scrap_moves_stock_and_leaves_an_audit_entry_with_before_and_after(w: World) -> None:
    body = {"warehouse": "BER", "sku": "SKU-A", "quantity": 4, "reason": "water damage"}
    response = w.call(w.a.tokens[Role.OPERATIONS], "POST", f"{V}/stock/scrap", body)
    assert response.status_code == 201, response.text
    [balance] = response.json()["balances"]
    assert balance["on_hand"] == 50 - 4
    trail = _admin(w, "GET", f"{V}/audit?action=stock.scrap").json()
    [entry] = trail["items"]
    assert entry["actor"] == "token:ALFA-operations"
    assert entry["target"] == "stock:BER/SKU-A"
    assert entry["before"][0]["on_hand"] == 50
    assert entry["after"][0]["on_hand"] == 46


def test_approving_a_held_order_allocates_it_and_rejecting_cancels_it(w: World) -> None:
    held, other = w.a.ids["held"], w.a.ids["held2"]
    approved = _admin(w, "POST", f"{V}/orders/{held}/approve", {"reason": "checked"})
    rejected = _admin(w, "POST", f"{V}/orders/{other}/reject", {"reason": "fraud"})
    assert approved.json()["status"] == "allocated"
    assert rejected.json()["status"] == "cancelled"
    detail = _admin(w, "GET", f"{V}/orders/{held}").json()
    assert [(r["warehouse"], r["quantity"]) for r in detail["reservations"]] == [("BER", 1)]
    again = _admin(w, "POST", f"{V}/orders/{held}/approve", {})
    assert again.status_code == 409
    actions = [e["action"] for e in _admin(w, "GET", f"{V}/audit").json()["items"]]
    assert actions[:2] == ["order.reject", "order.approve"]


def test_orders_filter_by_status_channel_and_date_and_paginate(w: World) -> None:
    held = _admin(w, "GET", f"{V}/orders?status=on_hold").json()
    assert {o["external_id"] for o in held["items"]} == {"ALFA-held", "ALFA-held2"}
    assert held["total"] == 2
    page = _admin(w, "GET", f"{V}/orders?limit=1&offset=1").json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (1, 3, 1, 1)
    assert _admin(w, "GET", f"{V}/orders?channel=nope").json()["total"] == 0
    later = _admin(w, "GET", f"{V}/orders?placed_from=2026-11-02T00:00:00Z").json()
    assert later["total"] == 0
    waiting = _admin(w, "GET", f"{V}/held-orders?limit=1").json()
    assert (len(waiting["items"]), waiting["total"]) == (1, 2)
    assert waiting["items"][0]["status"] == "on_hold"


@pytest.mark.parametrize(
    "url",
    [
        f"{V}/orders?status=lost",
        f"{V}/orders?limit=0",
        f"{V}/orders?limit=100000",
        f"{V}/orders?offset=-1",
        f"{V}/orders?placed_from=yesterday",
        f"{V}/orders?placed_from=2026-11-01T00:00:00",
        f"{V}/reports/nonsense",
        f"{V}/reports/abc?days=0",
        f"{V}/reports/valuation?at=yesterday",
        f"{V}/reconciliation/runs?kind=weird",
    ],
)
def test_invalid_filters_are_422_problems(w: World, url: str) -> None:
    response = _admin(w, "GET", url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == url.split("?")[0]


def test_unknown_ids_are_404_problems(w: World) -> None:
    for url in (f"{V}/orders/999999", f"{V}/reconciliation/runs/999999"):
        response = _admin(w, "GET", url)
        assert (response.status_code, response.json()["status"]) == (404, 404)
    assert _admin(w, "POST", f"{V}/errors/999999/replay", {}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"warehouse": "BER", "sku": "SKU-A", "quantity": 0, "reason": "x"},
        {"warehouse": "BER", "sku": "SKU-A", "quantity": 1, "reason": ""},
        {"warehouse": "BER", "sku": "SKU-A", "quantity": 51, "reason": "more than on hand"},
        {"warehouse": "NOPE", "sku": "SKU-A", "quantity": 1, "reason": "x"},
        {"warehouse": "BER", "sku": "SKU-A", "quantity": "many", "reason": "x"},
    ],
)
def test_a_refused_stock_write_changes_nothing(w: World, body: dict[str, Any]) -> None:
    before = fingerprint(w.db, w.a.id)
    response = _admin(w, "POST", f"{V}/stock/scrap", body)
    assert response.status_code in (404, 409, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fingerprint(w.db, w.a.id) == before


def test_an_oversized_body_is_413_and_changes_nothing(w: World) -> None:
    before = fingerprint(w.db, w.a.id)
    response = w.client.post(
        f"{V}/stock/scrap",
        content=b"{" + b" " * MAX_BODY_BYTES + b"}",
        headers={"Authorization": f"Bearer {w.a.tokens[Role.ADMIN]}"},
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Content too large"
    assert fingerprint(w.db, w.a.id) == before


def test_a_chunked_body_without_length_is_cut_off_at_the_limit_too(w: World) -> None:
    before = fingerprint(w.db, w.a.id)

    def chunks() -> Iterator[bytes]:
        yield b"{"
        for _ in range(MAX_BODY_BYTES // 10_000 + 1):
            yield b" " * 10_000
        yield b"}"

    response = w.client.post(
        f"{V}/stock/scrap",
        content=chunks(),
        headers={"Authorization": f"Bearer {w.a.tokens[Role.ADMIN]}"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert fingerprint(w.db, w.a.id) == before


def test_connection_credentials_are_write_only(w: World) -> None:
    body = {
        "connector": "memshop",
        "display_name": "eu-store",
        "values": {"shop": "eu", "webhook_secret": "whsec-very-secret-value"},
    }
    created = _admin(w, "POST", f"{V}/connections", body)
    assert created.status_code == 201
    listed = _admin(w, "GET", f"{V}/connections")
    audit = _admin(w, "GET", f"{V}/audit")
    for response in (created, listed, audit):
        assert "whsec-very-secret-value" not in response.text
    shown = next(c for c in listed.json()["items"] if c["display_name"] == "eu-store")
    assert shown["secret_fields"] == ["webhook_secret"]


def test_the_recorded_reconciliation_run_drills_down_to_its_items(w: World) -> None:
    runs = w.call(w.a.tokens[Role.FINANCE], "GET", f"{V}/reconciliation/runs").json()
    [run] = runs["items"]
    assert (run["kind"], run["reconciled"]) == ("stock", False)
    detail = w.call(w.a.tokens[Role.FINANCE], "GET", f"{V}/reconciliation/runs/{run['id']}")
    assert [(i["key"], i["outcome"]) for i in detail.json()["items"]] == [
        ("order:ALFA-missing", "missing_in_hub")
    ]


def test_replaying_an_error_after_the_mapping_fix_resolves_it(w: World) -> None:
    link = {"channel": "web", "channel_sku": "NO-SUCH-SKU", "sku": "SKU-B"}
    assert _admin(w, "PUT", f"{V}/mappings/listings", link).status_code == 200
    replayed = _admin(w, "POST", f"{V}/errors/{w.a.ids['error']}/replay", {})
    assert replayed.json()["result"] == "created", replayed.text
    assert _admin(w, "GET", f"{V}/errors").json()["total"] == 0
    order = _admin(w, "GET", f"{V}/orders/{replayed.json()['order_id']}/raw").json()
    assert order["items"][0]["payload"]["id"] == 900


def test_the_audit_entry_and_the_change_commit_together_or_not_at_all(w: World) -> None:
    from hub.api.v1.audited import AuditedUnitOfWork, levels
    from hub.services import inventory
    from hub.services.tokens import Principal

    who = Principal(0, w.a.id, "auditor", Role.OPERATIONS)
    before = fingerprint(w.db, w.a.id)

    def broken(session: Any) -> Any:
        raise RuntimeError("audit store unavailable")

    failing = AuditedUnitOfWork(w.hub, who, "stock.scrap", "t", None, broken)
    with pytest.raises(RuntimeError):
        inventory.scrap(failing, "BER", "SKU-A", 2, actor="x", reason="y")
    assert fingerprint(w.db, w.a.id) == before  # no scrap without its entry

    uow = AuditedUnitOfWork(
        w.hub, who, "stock.scrap", "t", None, lambda s: levels(s, w.a.id, "SKU-A", "BER")
    )
    inventory.scrap(uow, "BER", "SKU-A", 2, actor="x", reason="y")
    [entry] = _admin(w, "GET", f"{V}/audit?action=stock.scrap").json()["items"]
    assert entry["after"][0]["on_hand"] == 48  # read inside the scrap's own transaction


def test_releasing_an_invoice_hold_is_audited_and_only_once(w: World) -> None:
    held = w.a.ids["invoice_held"]
    detail = _admin(w, "GET", f"{V}/orders/{held}").json()
    assert detail["unified"]["invoice_hold"].startswith("totals: ")
    released = w.call(w.a.tokens[Role.OPERATIONS], "POST", f"{V}/orders/{held}/release-invoice",
                      {"note": "platform rounding, checked"})  # fmt: skip
    assert released.status_code == 200, released.text
    assert _admin(w, "GET", f"{V}/orders/{held}").json()["unified"]["invoice_hold"] is None
    again = _admin(w, "POST", f"{V}/orders/{held}/release-invoice", {})
    assert again.status_code == 409
    [entry] = _admin(w, "GET", f"{V}/audit?action=order.release_invoice").json()["items"]
    assert entry["target"] == f"order:{held}"
    assert entry["before"]["invoice_hold"].startswith("totals: total 2.00 EUR")
    assert entry["after"] == {"invoice_hold": None, "note": "platform rounding, checked"}
    other = w.call(w.b.tokens[Role.ADMIN], "POST", f"{V}/orders/{held}/release-invoice", {})
    assert other.status_code == 404


def test_the_dashboard_shows_the_invoice_hold_and_the_platforms_facts(w: World) -> None:
    held = w.a.ids["invoice_held"]
    cookies = {"hub_token": w.a.tokens[Role.OPERATIONS]}
    page = w.client.get(f"/dashboard/orders/{held}", cookies=cookies)
    assert page.status_code == 200, page.text
    assert 'id="invoice-hold"' in page.text and "total 2.00 EUR (ours)" in page.text
    assert 'id="release-invoice"' in page.text and 'id="platform-facts"' in page.text
    home = w.client.get("/dashboard/", cookies=cookies)
    assert '<b id="held-from-invoicing">1</b>' in home.text
