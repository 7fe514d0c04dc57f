"""order v2: the platform's own facts on orders, lines, shipping, taxes, refunds

The unified order keeps what the platform states: its order number, raw and financial /
fulfilment status, cancellation, shop and presentment money side by side, fee lines,
marketplace-remitted tax and marketplace fees, the platform's stated totals for the
self-check, and amounts that may be unknown. Unknown is NULL, never 0, so a line's
price, discount and tax become nullable; discount and tax get their own currency column
(an unknown amount must not clear the currency of a known one). A line without SKU keeps
channel_sku NULL and names the platform's listing id instead.

Revision ID: 0010_order_v2
Revises: 0009_listing_push
Create Date: 2026-12-04 17:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0010_order_v2"
down_revision: str | Sequence[str] | None = "0009_listing_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money(prefix: str) -> list[sa.Column]:  # type: ignore[type-arg]
    amount = "amount" if prefix == "amount" else f"{prefix}_amount"
    return [
        sa.Column(amount, hub.db.types.ExactDecimal(), nullable=True),
        sa.Column(f"{prefix}_currency", sa.String(length=3), nullable=True),
    ]


def _money_names(prefix: str) -> list[str]:
    return [f"{prefix}_amount", f"{prefix}_currency"]


ORDER_MONEY = ("marketplace_tax",)
LINE_MONEY = (
    "unit_price_presentment", "discount_presentment", "tax_presentment", "marketplace_tax",
    "shipping", "shipping_tax", "shipping_discount",
)  # fmt: skip
SHIPPING_MONEY = ("price_presentment", "discount", "discount_presentment", "tax", "tax_presentment")
REFUND_MONEY = ("shipping", "shipping_tax", "tax", "unallocated", "amount_presentment")


def _child(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{name}_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f(f"fk_{name}_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_tenant_id"), name, ["tenant_id"])
    op.create_index(op.f(f"ix_{name}_order_id"), name, ["order_id"])


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch:
        batch.add_column(sa.Column("number", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("platform_status", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("financial_status", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("fulfillment_status", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("cancelled_at", hub.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("prices_include_tax", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("fulfilled_by", sa.String(length=32), nullable=True))
        for column in _money("marketplace_tax"):
            batch.add_column(column)
        batch.add_column(sa.Column("tax_remitted_by", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("amounts_known", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("stated_totals", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("invoice_hold", sa.Text(), nullable=True))

    with op.batch_alter_table("order_lines", schema=None) as batch:
        batch.alter_column("channel_sku", existing_type=sa.String(length=255), nullable=True)
        for amount in ("unit_price_amount", "discount_amount", "tax_amount"):
            batch.alter_column(amount, existing_type=hub.db.types.ExactDecimal(), nullable=True)
        batch.alter_column("currency", existing_type=sa.String(length=3), nullable=True)
        batch.add_column(sa.Column("discount_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("tax_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("platform_listing_id", sa.String(length=255), nullable=True))
        for prefix in LINE_MONEY:
            for column in _money(prefix):
                batch.add_column(column)
        batch.add_column(
            sa.Column("quantity_shipped", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("amounts_known", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # Lines stored before v2 had one currency for all three amounts.
    op.execute("UPDATE order_lines SET discount_currency = currency, tax_currency = currency")

    with op.batch_alter_table("shipping_lines", schema=None) as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        for prefix in SHIPPING_MONEY:
            for column in _money(prefix):
                batch.add_column(column)
    for table in ("tax_lines", "discounts"):
        with op.batch_alter_table(table, schema=None) as batch:
            for column in _money("amount_presentment"):
                batch.add_column(column)
    with op.batch_alter_table("refunds", schema=None) as batch:
        # Unknown restock is NULL from now on; rows stored before keep what they said.
        batch.alter_column(
            "restock", existing_type=sa.Boolean(), nullable=True, existing_nullable=False
        )
        batch.add_column(sa.Column("restock_location", sa.String(length=255), nullable=True))
        for prefix in REFUND_MONEY:
            for column in _money(prefix):
                batch.add_column(column)

    _child(
        "fee_lines",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("amount", hub.db.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *_money("tax"),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        *_money("amount_presentment"),
        *_money("tax_presentment"),
    )
    _child(
        "marketplace_fees",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("amount", hub.db.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("marketplace_fees")
    op.drop_table("fee_lines")
    # The old schema cannot say "unknown": restock was a plain flag, a line had a SKU and
    # three known amounts. Unknowns become the old defaults so the columns can be NOT NULL.
    op.execute("UPDATE refunds SET restock = false WHERE restock IS NULL")
    with op.batch_alter_table("refunds", schema=None) as batch:
        for prefix in reversed(REFUND_MONEY):
            for name in reversed(_money_names(prefix)):
                batch.drop_column(name)
        batch.drop_column("restock_location")
        batch.alter_column("restock", existing_type=sa.Boolean(), nullable=False)
    for table in ("discounts", "tax_lines"):
        with op.batch_alter_table(table, schema=None) as batch:
            for name in reversed(_money_names("amount_presentment")):
                batch.drop_column(name)
    with op.batch_alter_table("shipping_lines", schema=None) as batch:
        for prefix in reversed(SHIPPING_MONEY):
            for name in reversed(_money_names(prefix)):
                batch.drop_column(name)
        batch.drop_column("external_id")
    op.execute(
        "UPDATE order_lines SET currency = (SELECT o.currency FROM orders o"
        " WHERE o.id = order_lines.order_id) WHERE currency IS NULL"
    )
    op.execute(
        "UPDATE order_lines SET channel_sku = '#' || COALESCE(platform_listing_id, '?')"
        " WHERE channel_sku IS NULL"
    )
    for amount in ("unit_price_amount", "discount_amount", "tax_amount"):
        op.execute(f"UPDATE order_lines SET {amount} = 0 WHERE {amount} IS NULL")
    with op.batch_alter_table("order_lines", schema=None) as batch:
        batch.drop_column("amounts_known")
        batch.drop_column("quantity_shipped")
        for prefix in reversed(LINE_MONEY):
            for name in reversed(_money_names(prefix)):
                batch.drop_column(name)
        batch.drop_column("platform_listing_id")
        batch.drop_column("tax_currency")
        batch.drop_column("discount_currency")
        batch.alter_column("currency", existing_type=sa.String(length=3), nullable=False)
        for amount in ("unit_price_amount", "discount_amount", "tax_amount"):
            batch.alter_column(amount, existing_type=hub.db.types.ExactDecimal(), nullable=False)
        batch.alter_column("channel_sku", existing_type=sa.String(length=255), nullable=False)
    with op.batch_alter_table("orders", schema=None) as batch:
        for name in (
            "invoice_hold", "stated_totals", "amounts_known", "tax_remitted_by",
            *reversed(_money_names("marketplace_tax")), "fulfilled_by", "prices_include_tax",
            "cancel_reason", "cancelled_at", "fulfillment_status", "financial_status",
            "platform_status", "number",
        ):  # fmt: skip
            batch.drop_column(name)
