"""The schema. Every table carries tenant_id; constraints back the ledger's invariants."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from hub.db.types import EnumText as Enum
from hub.db.types import ExactDecimal, Id, RefundLines, StatedTotalsJSON, UTCDateTime
from hub.domain.catalog import WarehouseKind
from hub.domain.inventory import MovementKind
from hub.domain.orders import FinancialStatus, FulfilledBy, FulfillmentStatus, OrderStatus
from hub.domain.purchasing import PurchaseOrderStatus

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _tenant() -> Column[int]:
    return Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True)


def _fk(name: str, target: str, nullable: bool = False, index: bool = True) -> Column[int]:
    return Column(name, Id, ForeignKey(target), nullable=nullable, index=index)


def money_column(prefix: str) -> str:
    """Key of the amount column behind a Money field: `unit_price` -> `unit_price_amount`.

    A field named `amount` keeps the column name `amount` but gets the key
    `amount_value`, so the Money composite can own the attribute name."""
    return "amount_value" if prefix == "amount" else f"{prefix}_amount"


def _money(prefix: str, nullable: bool = False) -> Column[object]:
    name = "amount" if prefix == "amount" else f"{prefix}_amount"
    return Column(name, ExactDecimal(), key=money_column(prefix), nullable=nullable)


def _currency(name: str = "currency") -> Column[str]:
    return Column(name, String(3), nullable=False)


def optional_money_currency(prefix: str) -> str:
    return f"{prefix}_currency"


def _optional_money(prefix: str) -> tuple[Column[object], Column[str]]:
    """A Money that may be unknown (None): its own amount AND currency columns, so setting
    it to None never clears a currency another amount of the row relies on."""
    return (
        _money(prefix, nullable=True),
        Column(optional_money_currency(prefix), String(3), nullable=True),
    )


tenants = Table(
    "tenants",
    metadata,
    _id(),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
)

channels = Table(
    "channels",
    metadata,
    _id(),
    _tenant(),
    Column("platform", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    _currency(),
    Column("settings", JSON, nullable=False, default=dict),
    UniqueConstraint("tenant_id", "name", name="uq_channels_tenant_name"),
)

warehouses = Table(
    "warehouses",
    metadata,
    _id(),
    _tenant(),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False, default=""),
    Column("region", String(64), nullable=False, default=""),
    Column("priority", Integer, nullable=False, default=100),
    Column("kind", Enum(WarehouseKind), nullable=False),
    UniqueConstraint("tenant_id", "code", name="uq_warehouses_tenant_code"),
)

products = Table(
    "products",
    metadata,
    _id(),
    _tenant(),
    Column("name", String(300), nullable=False),
)

skus = Table(
    "skus",
    metadata,
    _id(),
    _tenant(),
    _fk("product_id", "products.id", nullable=True),
    Column("code", String(64), nullable=False),
    Column("name", String(300), nullable=False),
    Column("barcode", String(64), nullable=True),
    Column("lot_tracked", Boolean, nullable=False, default=False),
    _money("unit_cost"),
    _currency("unit_cost_currency"),
    UniqueConstraint("tenant_id", "code", name="uq_skus_tenant_code"),
)

listings = Table(
    "listings",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id"),
    Column("channel_sku", String(255), nullable=False),
    _fk("sku_id", "skus.id", nullable=True),
    Column("channel_product_id", String(255), nullable=True),
    Column("channel_variant_id", String(255), nullable=True),
    Column("channel_inventory_item_id", String(255), nullable=True),
    UniqueConstraint("channel_id", "channel_sku", name="uq_listings_channel_sku"),
)

lots = Table(
    "lots",
    metadata,
    _id(),
    _tenant(),
    _fk("sku_id", "skus.id"),
    Column("code", String(64), nullable=False),
    Column("expires_on", Date, nullable=True),
    UniqueConstraint("sku_id", "code", name="uq_lots_sku_code"),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    _id(),
    _tenant(),
    _fk("warehouse_id", "warehouses.id", index=False),
    _fk("sku_id", "skus.id"),
    Column("lot_code", String(64), nullable=False, default=""),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    Column("safety_stock", Integer, nullable=False, default=0),
    Column("reorder_point", Integer, nullable=False, default=0),
    UniqueConstraint("warehouse_id", "sku_id", "lot_code", name="uq_stock_levels_wh_sku_lot"),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    # Never oversell: backorders are an explicit state of an order line, not negative stock.
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    _id(),
    _tenant(),
    Column("kind", Enum(MovementKind), nullable=False),
    _fk("warehouse_id", "warehouses.id", index=False),
    _fk("sku_id", "skus.id", index=False),
    Column("lot_code", String(64), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("reference", String(255), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_stock_movements_balance", "warehouse_id", "sku_id", "lot_code"),
    Index("ix_stock_movements_reference", "reference"),
    # 0010_list_indexes: turnover's window, stale-stock's last movement per SKU.
    Index("ix_stock_movements_tenant_created", "tenant_id", "created_at"),
    Index("ix_stock_movements_tenant_sku_created", "tenant_id", "sku_id", "created_at"),
)

orders = Table(
    "orders",
    metadata,
    _id(),
    _tenant(),
    _fk("channel_id", "channels.id", index=False),
    Column("external_id", String(255), nullable=False),
    Column("status", Enum(OrderStatus), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("resume_status", Enum(OrderStatus), nullable=True),  # added by 0003_mapping
    _currency(),
    Column("presentment_currency", String(3), nullable=True),
    Column("fx_rate", ExactDecimal(), nullable=True),  # added by 0003_mapping
    Column("fx_source", String(100), nullable=True),  # added by 0003_mapping
    Column("customer_email", String(320), nullable=True),
    Column("customer_name", String(300), nullable=True),
    Column("ship_to", JSON, nullable=False, default=dict),
    Column("placed_at", UTCDateTime(), nullable=False),
    Column("platform_updated_at", UTCDateTime(), nullable=True),
    # v2 (0010_order_v2): the platform's own facts, apart from the hub's workflow status.
    Column("number", String(255), nullable=True),
    Column("platform_status", String(100), nullable=True),
    Column("financial_status", Enum(FinancialStatus), nullable=True),
    Column("fulfillment_status", Enum(FulfillmentStatus), nullable=True),
    Column("cancelled_at", UTCDateTime(), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("prices_include_tax", Boolean, nullable=False, default=False),
    Column("fulfilled_by", Enum(FulfilledBy), nullable=True),
    *_optional_money("marketplace_tax"),
    Column("tax_remitted_by", String(64), nullable=True),
    Column("amounts_known", Boolean, nullable=False, default=True),
    Column("stated_totals", StatedTotalsJSON(), nullable=True),
    Column("invoice_hold", Text, nullable=True),
    UniqueConstraint("channel_id", "external_id", name="uq_orders_channel_external_id"),
    Index("ix_orders_tenant_status", "tenant_id", "status"),
    # 0010_list_indexes: the order list (keyset, newest first) and its filters, the
    # report windows and the overview read these in the order they page.
    Index("ix_orders_tenant_placed", "tenant_id", "placed_at", "id"),
    Index("ix_orders_tenant_status_placed", "tenant_id", "status", "placed_at", "id"),
    Index("ix_orders_channel_placed", "channel_id", "placed_at", "id"),
    # 0012_invoice_hold_index: the overview counts the orders held from invoicing.
    Index(
        "ix_orders_invoice_held",
        "tenant_id",
        postgresql_where=text("invoice_hold IS NOT NULL"),
        sqlite_where=text("invoice_hold IS NOT NULL"),
    ),
)

order_lines = Table(
    "order_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("external_id", String(255), nullable=True),
    Column("channel_sku", String(255), nullable=True),  # None: the platform sent no SKU
    _fk("sku_id", "skus.id", nullable=True),
    Column("title", String(500), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    # unit_price with `currency`; all three may be unknown since 0010_order_v2.
    _money("unit_price", nullable=True),
    Column("currency", String(3), nullable=True),
    *_optional_money("discount"),
    *_optional_money("tax"),
    Column("raw", JSON, nullable=False, default=dict),
    _fk("listing_id", "listings.id", nullable=True, index=False),  # added by 0003_mapping
    Column("platform_listing_id", String(255), nullable=True),
    *_optional_money("unit_price_presentment"),
    *_optional_money("discount_presentment"),
    *_optional_money("tax_presentment"),
    *_optional_money("marketplace_tax"),
    *_optional_money("shipping"),
    *_optional_money("shipping_tax"),
    *_optional_money("shipping_discount"),
    Column("quantity_shipped", Integer, nullable=False, default=0),
    Column("amounts_known", Boolean, nullable=False, default=True),
    # 0012_lifecycle_stock: units that will never ship (refunded before shipping, removed
    # by an edit on the platform): the allocator reserves quantity - shipped - cancelled.
    Column("quantity_cancelled", Integer, nullable=False, default=0),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

shipping_lines = Table(
    "shipping_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("title", String(300), nullable=False),
    Column("carrier", String(100), nullable=True),
    _money("price"),
    _currency(),
    Column("external_id", String(255), nullable=True),
    *_optional_money("price_presentment"),
    *_optional_money("discount"),
    *_optional_money("discount_presentment"),
    *_optional_money("tax"),
    *_optional_money("tax_presentment"),
)

tax_lines = Table(
    "tax_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("title", String(200), nullable=False),
    Column("rate", ExactDecimal(), nullable=False),
    _money("amount"),
    _currency(),
    Column("inclusive", Boolean, nullable=False, default=False),
    *_optional_money("amount_presentment"),
)

discounts = Table(
    "discounts",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("code", String(200), nullable=False),
    _money("amount"),
    _currency(),
    *_optional_money("amount_presentment"),
)

fee_lines = Table(
    "fee_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("title", String(300), nullable=False),
    Column("external_id", String(255), nullable=True),
    _money("amount"),
    _currency(),
    *_optional_money("tax"),
    Column("taxable", Boolean, nullable=False, default=False),
    *_optional_money("amount_presentment"),
    *_optional_money("tax_presentment"),
)

marketplace_fees = Table(
    "marketplace_fees",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("kind", String(100), nullable=False),
    Column("external_id", String(255), nullable=True),
    _money("amount"),
    _currency(),
)

payments = Table(
    "payments",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("gateway", String(100), nullable=False),
    Column("external_id", String(255), nullable=True),
    _money("amount"),
    _currency(),
    Column("processed_at", UTCDateTime(), nullable=True),
)

refunds = Table(
    "refunds",
    metadata,
    _id(),
    _tenant(),
    _fk("order_id", "orders.id"),
    Column("external_id", String(255), nullable=True),
    _money("amount"),
    _currency(),
    Column("reason", Text, nullable=False, default=""),
    # No default: None means the platform did not say (0010_order_v2 made it nullable).
    Column("restock", Boolean, nullable=True),
    Column("lines", RefundLines(), nullable=False, default=list),
    Column("created_at", UTCDateTime(), nullable=False),
    *_optional_money("shipping"),
    *_optional_money("shipping_tax"),
    *_optional_money("tax"),
    *_optional_money("unallocated"),
    Column("restock_location", String(255), nullable=True),
    *_optional_money("amount_presentment"),
)

reservations = Table(
    "reservations",
    metadata,
    _id(),
    _tenant(),
    _fk("order_line_id", "order_lines.id", index=False),
    _fk("warehouse_id", "warehouses.id", index=False),
    _fk("sku_id", "skus.id"),
    Column("lot_code", String(64), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Exactly once: one reservation row per (line, SKU, warehouse, lot), grown or shrunk in
    # place; the SKU is in the key because a bundle line reserves several components
    # (migration 0008_bundle_reservations).
    UniqueConstraint(
        "order_line_id",
        "sku_id",
        "warehouse_id",
        "lot_code",
        name="uq_reservations_line_sku_wh_lot",
    ),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

suppliers = Table(
    "suppliers",
    metadata,
    _id(),
    _tenant(),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    _currency(),
    Column("lead_time_days", Integer, nullable=False, default=7),
    UniqueConstraint("tenant_id", "code", name="uq_suppliers_tenant_code"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    _id(),
    _tenant(),
    _fk("supplier_id", "suppliers.id"),
    Column("number", String(64), nullable=False),
    _fk("warehouse_id", "warehouses.id", index=False),
    _currency(),
    Column("status", Enum(PurchaseOrderStatus), nullable=False),
    Column("ordered_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "number", name="uq_purchase_orders_tenant_number"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("purchase_order_id", "purchase_orders.id"),
    _fk("sku_id", "skus.id", index=False),
    Column("quantity_ordered", Integer, nullable=False),
    Column("quantity_received", Integer, nullable=False, default=0),
    _money("unit_cost"),
    _currency(),
    CheckConstraint("quantity_ordered > 0", name="ordered_positive"),
    CheckConstraint(
        "quantity_received >= 0 AND quantity_received <= quantity_ordered",
        name="received_within_ordered",
    ),
)

receipts = Table(
    "receipts",
    metadata,
    _id(),
    _tenant(),
    _fk("purchase_order_id", "purchase_orders.id"),
    _fk("warehouse_id", "warehouses.id", index=False),
    Column("actor", String(200), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)

receipt_lines = Table(
    "receipt_lines",
    metadata,
    _id(),
    _tenant(),
    _fk("receipt_id", "receipts.id"),
    _fk("purchase_order_line_id", "purchase_order_lines.id", nullable=True, index=False),
    _fk("sku_id", "skus.id", index=False),
    Column("lot_code", String(64), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    _money("unit_cost"),
    _currency(),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)
