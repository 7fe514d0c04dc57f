"""Inventory valuation at any date: per SKU, the units costing has valued and their
value (the sum of the values of its movements up to that date), so the average at that
date is value / units and the total equals the inventory account in the books."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from hub.db.costing_rows import cost_entries, on_hand_before
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.money import Money

__all__ = [
    "inventory_valuation",
    "set_catalog_cost",
    "valuation_total",
    "value_inventory",
]

Row = dict[str, Any]
_AVERAGE = Decimal("0.000001")


def inventory_valuation(session: Session, tenant_id: int, at: date) -> list[Row]:
    """One row per SKU with stock or value at the end of `at` (UTC), then a TOTAL row per
    currency. `missing` counts the SKU's movements without a cost (their documents are
    held): while any is open, the SKU's value leaves those units out."""
    before = datetime.combine(at + timedelta(days=1), time(0), tzinfo=UTC)
    on_hand = on_hand_before(session, tenant_id, before)
    per_sku: dict[int, dict[str, Any]] = {}
    for e in cost_entries(session, tenant_id, before=before):
        row = per_sku.setdefault(
            e.sku_id,
            {"sku": e.sku, "currency": "", "valued": 0, "value": Decimal(0), "missing": 0},
        )
        if e.value is None:
            row["missing"] += 1
            continue
        row["currency"] = e.value.currency
        row["valued"] += e.quantity
        row["value"] += e.value.amount
    rows: list[Row] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for sku_id, r in sorted(per_sku.items(), key=lambda kv: kv[1]["sku"]):
        valued, value, currency = r["valued"], r["value"], r["currency"]
        if not valued and not value and not r["missing"] and not on_hand.get(sku_id):
            continue
        money = Money(value, currency).rounded() if currency else None
        if money is not None:
            totals[currency] += money.amount
        rows.append(
            {
                "sku": r["sku"],
                "on_hand": on_hand.get(sku_id, 0),
                "valued_quantity": valued,
                "unit_cost": str((value / valued).quantize(_AVERAGE)) if valued > 0 else "",
                "value": str(money.amount) if money else "",
                "currency": currency,
                "missing": r["missing"],
            }
        )
    for currency, amount in sorted(totals.items()):
        rows.append(
            {
                "sku": "TOTAL",
                "on_hand": "",
                "valued_quantity": "",
                "unit_cost": "",
                "value": str(amount),
                "currency": currency,
                "missing": sum(r["missing"] for r in rows if r["currency"] == currency),
            }
        )
    return rows


def value_inventory(uow: UnitOfWork, at: date) -> list[Row]:
    with uow:
        assert uow.tenant_id is not None
        return inventory_valuation(uow.session, uow.tenant_id, at)


def set_catalog_cost(uow: UnitOfWork, sku_code: str, unit_cost: Money) -> None:
    """The catalog's unit cost of a SKU: it starts the moving average of a SKU never
    received at a price (its held inventory journals are valued with it on
    `hub books post --retry-held`). A SKU with an average keeps it: receipts move it."""
    if unit_cost.amount < 0:
        raise InvalidValue("unit_cost", str(unit_cost), "must not be negative", f"sku {sku_code}")
    with uow:
        sku = uow.skus.by_key(sku_code)
        sku.unit_cost = unit_cost
        uow.commit()


def valuation_total(rows: list[Row], currency: str) -> Money:
    for r in rows:
        if r["sku"] == "TOTAL" and r["currency"] == currency:
            return Money.of(r["value"], currency)
    return Money.zero(currency)
