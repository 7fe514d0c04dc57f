"""Tables of the mapping issue: bundles, status overrides and accounting mappings."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from hub.db.tables import _fk, _id, _tenant, metadata
from hub.db.types import EnumText
from hub.domain.mappings import AccountRole, PartyKind
from hub.domain.orders import OrderStatus

bundle_components = Table(
    "bundle_components",
    metadata,
    _id(),
    _tenant(),
    _fk("bundle_sku_id", "skus.id", nullable=True),
    _fk("listing_id", "listings.id", nullable=True),
    _fk("component_sku_id", "skus.id"),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("(bundle_sku_id IS NULL) <> (listing_id IS NULL)", name="one_bundle_owner"),
    UniqueConstraint("bundle_sku_id", "component_sku_id", name="uq_bundle_components_sku"),
    UniqueConstraint("listing_id", "component_sku_id", name="uq_bundle_components_listing"),
)

status_overrides = Table(
    "status_overrides",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    Column("field", String(64), nullable=False),
    Column("value", String(64), nullable=False),
    Column("target", EnumText(OrderStatus), nullable=False),
    UniqueConstraint("channel_id", "field", "value", name="uq_status_overrides_rule"),
)

accounting_connections = Table(
    "accounting_connections",
    metadata,
    _id(),
    _tenant(),
    Column("name", String(200), nullable=False),
    Column("system", String(32), nullable=False),  # an accounting connector's registry name
    Column("settings", JSON, nullable=False, default=dict),
    UniqueConstraint("tenant_id", "name", name="uq_accounting_connections_name"),
)

account_mappings = Table(
    "account_mappings",
    metadata,
    _id(),
    _tenant(),
    _fk("connection_id", "accounting_connections.id"),
    Column("role", EnumText(AccountRole), nullable=False),
    Column("scope", String(200), nullable=False, default=""),
    Column("account_code", String(100), nullable=False),
    UniqueConstraint("connection_id", "role", "scope", name="uq_account_mappings_role"),
)

tax_code_mappings = Table(
    "tax_code_mappings",
    metadata,
    _id(),
    _tenant(),
    _fk("connection_id", "accounting_connections.id"),
    _fk("channel_id", "channels.id", nullable=True, index=False),
    Column("channel_tax", String(200), nullable=False),
    Column("tax_code", String(100), nullable=False),
    Column("inclusive", Boolean, nullable=False, default=False),
    # NULL channel_id means "every channel"; uniqueness for it is checked by the service
    # because NULLs never collide in a UNIQUE constraint.
    Index("ix_tax_code_mappings_lookup", "connection_id", "channel_tax"),
)

party_rules = Table(
    "party_rules",
    metadata,
    _id(),
    _tenant(),
    _fk("connection_id", "accounting_connections.id"),
    Column("kind", EnumText(PartyKind), nullable=False),
    Column("match", String(200), nullable=False, default=""),
    Column("target", String(300), nullable=False),
    UniqueConstraint("connection_id", "kind", "match", name="uq_party_rules_match"),
)
