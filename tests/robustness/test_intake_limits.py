"""Intake limits that hold: the body limit refuses before any handler runs (chunked
bodies too); numbers and strings the database cannot store are a 4xx naming the field,
never a 500; a correctly signed body that is not JSON is kept and queued as an error,
not called a bad signature."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.api import create_app
from hub.api.app import MAX_BODY_BYTES
from hub.db.tables_sync import inbox_records, sync_errors, webhook_deliveries
from hub.db.unit_of_work import UnitOfWork
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import World, samples, world
from tests.integration.stored_connection import (
    StoredShop,
    signed,
    stored_shop,
    webhook_headers,
    woo_order,
)

HUGE = (2**63, 10**30)


@pytest.fixture
def shop(db: Database, tenant: Callable[[], UnitOfWork]) -> StoredShop:
    return stored_shop(db, tenant, {("BER", "SKU-A"): 5})


def _client(s: StoredShop) -> TestClient:
    return TestClient(create_app(s.hub, sync=s.ctx, dispatcher=s.dispatcher))


def _count(s: StoredShop, table: Any, **where: Any) -> int:
    with s.ctx.uow(s.tenant_id) as uow:
        query = select(func.count()).select_from(table).where(table.c.tenant_id == s.tenant_id)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return int(uow.session.execute(query).scalar_one())


def test_a_chunked_webhook_over_the_limit_is_refused_before_the_handler_runs(
    shop: StoredShop,
) -> None:
    payload = woo_order(801, "2026-11-01T10:00:00")
    payload["customer_note"] = "x" * (MAX_BODY_BYTES + 10)
    body = signed(payload)
    headers = webhook_headers(body, "big-1")

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding chunked
        for start in range(0, len(body), 64_000):
            yield body[start : start + 64_000]

    answer = _client(shop).post(f"/webhooks/{shop.channel_id}", content=chunks(), headers=headers)
    assert answer.status_code == 413
    # Before, the handler ran on the cut-off body and recorded (committed) a delivery.
    assert _count(shop, webhook_deliveries) == 0
    assert _count(shop, inbox_records) == 0


@pytest.mark.parametrize(
    "body", [b"not json at all", b'{"id": 1,', b"\xff\xfe\x00binary", b"[" * 100_000]
)
def test_a_signed_body_that_is_not_json_is_archived_and_queued_not_called_forged(
    shop: StoredShop, body: bytes
) -> None:
    answer = _client(shop).post(
        f"/webhooks/{shop.channel_id}", content=body, headers=webhook_headers(body, "nj-1")
    )
    assert answer.status_code == 200, answer.text
    assert _count(shop, webhook_deliveries, outcome="rejected") == 0
    assert _count(shop, inbox_records, status="failed") == 1
    with shop.ctx.uow(shop.tenant_id) as uow:
        error = uow.session.execute(
            select(sync_errors.c.field, sync_errors.c.reason, inbox_records.c.payload)
            .join(inbox_records, inbox_records.c.id == sync_errors.c.inbox_id)
            .where(sync_errors.c.tenant_id == shop.tenant_id)
        ).one()
    assert error.field == "(body)" and error.reason.startswith("not JSON")
    assert error.payload["raw"] == body.decode("utf-8", "backslashreplace")  # kept


def test_ids_the_database_cannot_hold_in_a_webhook_are_queued_or_refused_never_500(
    shop: StoredShop,
) -> None:
    client = _client(shop)
    for channel in (*HUGE, "9" * 400):
        assert client.post(f"/webhooks/{channel}", content=b"{}").status_code in (404, 422)
    cases = {"long": "7" * 300, "nul": "12\x003"}
    for name, external_id in cases.items():
        payload = woo_order(1, "2026-11-01T10:00:00")
        payload["id"] = external_id
        body = signed(payload)
        answer = client.post(
            f"/webhooks/{shop.channel_id}",
            content=body,
            headers=webhook_headers(body, f"id-{name}" + "d" * 300),  # an overlong delivery id
        )
        assert answer.status_code == 200, answer.text
    assert _count(shop, sync_errors, field="id") == 2
    assert _count(shop, inbox_records, status="pending") == 0


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _routes(w: World) -> list[tuple[str, str, Any]]:
    """(method, path template, sample body) of every /api/v1 route with its sample."""
    return [(method, template, body) for (method, template), (_, body) in samples(w.a).items()]


def test_every_route_refuses_numbers_and_nul_the_database_cannot_store_naming_the_field(
    w: World,
) -> None:
    token = w.a.tokens[Role.ADMIN]
    openapi = w.client.get("/openapi.json").json()["paths"]
    seen_500: list[str] = []
    named: list[str] = []

    def call(method: str, url: str, body: Any = None, **params: Any) -> None:
        answer = w.client.request(
            method, url, json=body, params=params, headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status_code >= 500:
            seen_500.append(f"{method} {url} {params} {str(body)[:80]}: {answer.status_code}")
        elif answer.status_code == 422:
            named.extend(e["field"] for e in answer.json().get("errors", []))

    for method, template, body in _routes(w):
        spec = openapi[template][method.lower()]
        parameters = spec.get("parameters", [])
        concrete = samples(w.a)[(method, template)][0]
        for parameter in parameters:
            name, kind = parameter["name"], parameter["schema"].get("type")
            if parameter["in"] == "path":
                for value in (*HUGE, "1%00"):
                    call(method, template.replace(f"{{{name}}}", str(value)), body)
            elif kind == "integer":
                for value in HUGE:
                    call(method, concrete, body, **{name: value})
            else:
                call(method, concrete, body, **{name: "a\x00b"})
        if isinstance(body, dict):
            for key, value in body.items():
                bad: Any = 2**63 if isinstance(value, int) else "x\x00y"
                call(method, concrete, {**body, key: bad})
    assert seen_500 == []
    assert "query.offset" in named and "path.order_id" in named
    assert any(field.startswith("body.") for field in named)


def test_the_dashboard_report_refuses_an_absurd_window(w: World) -> None:
    token = w.a.tokens[Role.ADMIN]
    answer = w.client.get(
        "/dashboard/reports", params={"days": 10**15}, headers={"Authorization": f"Bearer {token}"}
    )
    # Before: timedelta(days=10**15) overflowed inside the report, a 500.
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["query.days"]


def test_the_dashboard_login_form_still_works_and_refuses_a_nul_naming_the_field(
    w: World,
) -> None:
    good = w.client.post(
        "/dashboard/login", data={"token": w.a.tokens[Role.ADMIN]}, follow_redirects=False
    )
    assert good.status_code in (302, 303) and "set-cookie" in good.headers
    bad = w.client.post("/dashboard/login", data={"token": "a\x00b"}, follow_redirects=False)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.token"]
