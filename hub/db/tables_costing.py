"""Costing tables: the moving average per SKU (per lot of a lot-tracked SKU), the value
of each valued movement (written in the same transaction as the movement;
hub.db.costing_rows), and the landed costs of receipts."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from hub.db.tables import metadata
from hub.db.types import ExactDecimal, Id, UTCDateTime


def _fk(name: str, target: str) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=False, index=True)


sku_costs = Table(
    "sku_costs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _fk("tenant_id", "tenants.id"),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("lot_code", String(64), nullable=False, default=""),  # "" unless lot-tracked
    Column("currency", String(3), nullable=True),  # the first priced receipt's
    Column("quantity", Integer, nullable=False),  # units costing has valued
    Column("value", ExactDecimal(), nullable=False),
    Column("unit_cost", ExactDecimal(), nullable=True),  # None: never received at a price
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("sku_id", "lot_code", name="uq_sku_costs_sku_lot"),
)

movement_costs = Table(
    "movement_costs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _fk("tenant_id", "tenants.id"),
    # None: an opening valuation (units on hand before the SKU had a cost)
    Column("movement_id", Id, ForeignKey("stock_movements.id"), nullable=True),
    Column("sku_id", Id, ForeignKey("skus.id"), nullable=False),
    Column("lot_code", String(64), nullable=False, default=""),  # the cost layer's lot
    Column("kind", String(16), nullable=False),
    Column("quantity", Integer, nullable=False),  # signed: the on-hand change
    Column("currency", String(3), nullable=True),
    Column("value", ExactDecimal(), nullable=True),  # signed; None: no cost (the reason says)
    Column("unit_cost", ExactDecimal(), nullable=True),  # the average it moved at
    Column("missing", Text, nullable=True),
    Column("reason", Text, nullable=False),  # the movement's reason, for the memo
    Column("reference", String(255), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("movement_id", name="uq_movement_costs_movement"),
    Index("ix_movement_costs_tenant_created", "tenant_id", "created_at"),
)

# Freight, duty and the like a receipt paid on top of its goods: apportioned over its
# lines by value into their cost, and booked by an inventory journal of their own.
receipt_landed_costs = Table(
    "receipt_landed_costs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _fk("tenant_id", "tenants.id"),
    Column("receipt_id", Id, ForeignKey("receipts.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # freight, duty, ...
    Column("amount", ExactDecimal(), nullable=False),
    Column("currency", String(3), nullable=False),
)
