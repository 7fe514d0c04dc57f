"""payouts: settlements pulled from the channels, their lines, bank statement lines

Revision ID: 0012_payouts
Revises: 0011_books_connections
Create Date: 2026-12-05 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_payouts"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DECIMAL = hub.db.types.ExactDecimal()
UTC = hub.db.types.UTCDateTime()


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", ID, autoincrement=True, nullable=False)


def _ref(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, ID, nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "bank_lines",
        _id(),
        _ref("tenant_id"),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", DECIMAL, nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTC, nullable=False),
        _fk("bank_lines", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_lines")),
        sa.UniqueConstraint("tenant_id", "fingerprint", name="uq_bank_lines_fingerprint"),
    )
    _indexes("bank_lines", "tenant_id")
    op.create_table(
        "settlements",
        _id(),
        _ref("tenant_id"),
        _ref("channel_id"),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net", DECIMAL, nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("gateway", sa.String(length=100), nullable=True),
        sa.Column("bank_reference", sa.String(length=200), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        _ref("bank_line_id", nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("settlements", "tenant_id", "tenants"),
        _fk("settlements", "channel_id", "channels"),
        _fk("settlements", "bank_line_id", "bank_lines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("channel_id", "external_id", name="uq_settlements_channel_external"),
    )
    _indexes("settlements", "tenant_id", "channel_id")
    op.create_table(
        "settlement_lines",
        _id(),
        _ref("tenant_id"),
        _ref("settlement_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount", DECIMAL, nullable=False),
        sa.Column("order_external_id", sa.String(length=200), nullable=True),
        sa.Column("fee_type", sa.String(length=100), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        _fk("settlement_lines", "tenant_id", "tenants"),
        _fk("settlement_lines", "settlement_id", "settlements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_lines")),
    )
    _indexes("settlement_lines", "tenant_id", "settlement_id", "order_external_id")


def downgrade() -> None:
    for table in ("settlement_lines", "settlements", "bank_lines"):
        op.drop_table(table)
