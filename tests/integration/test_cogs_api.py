"""Landed cost and the valuation over the REST API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import World, world

V = "/api/v1"


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


def _admin(w: World, method: str, url: str, body: object = None) -> object:
    return w.call(w.a.tokens[Role.ADMIN], method, url, body)


def _sku_a(w: World) -> dict[str, object]:
    got = _admin(w, "GET", f"{V}/reports/valuation?at={date.today().isoformat()}")
    assert got.status_code == 200, got.text  # type: ignore[attr-defined]
    rows = got.json()["items"]  # type: ignore[attr-defined]
    return next((r for r in rows if r["sku"] == "SKU-A"), {"value": "0"})


def test_a_receipt_with_freight_raises_the_valuation_by_goods_and_freight(w: World) -> None:
    before = Decimal(str(_sku_a(w)["value"] or "0"))
    body = {"purchase_order": "PO-1", "quantities": {"SKU-A": 10}, "landed": {"freight": "2.50"}}
    got = _admin(w, "POST", f"{V}/stock/receipts", body)
    assert got.status_code == 201, got.text  # type: ignore[attr-defined]
    after = Decimal(str(_sku_a(w)["value"]))
    assert after - before == Decimal("12.50")  # 10 x 1.00 EUR + 2.50 freight


def test_a_landed_amount_with_too_many_decimals_is_refused_and_nothing_received(
    w: World,
) -> None:
    before = _sku_a(w)
    body = {"purchase_order": "PO-1", "quantities": {"SKU-A": 10}, "landed": {"duty": "1.234"}}
    got = _admin(w, "POST", f"{V}/stock/receipts", body)
    assert got.status_code == 422, got.text  # type: ignore[attr-defined]
    assert "duty" in got.text  # type: ignore[attr-defined]
    assert _sku_a(w) == before
