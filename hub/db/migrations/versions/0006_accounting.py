"""accounting: posting policies, accounting documents, payouts

Revision ID: 0006_accounting
Revises: 0002_allocation, 0003_mapping
Create Date: 2026-11-22 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0006_accounting"
down_revision: str | Sequence[str] | None = ("0002_allocation", "0003_mapping")
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
        "accounting_policies",
        _id(),
        _ref("tenant_id"),
        _ref("connection_id"),
        sa.Column("home_currency", sa.String(length=3), nullable=False),
        sa.Column("currencies", sa.JSON(), nullable=False),
        sa.Column("bank_account", sa.String(length=100), nullable=False),
        sa.Column("posting_point", sa.String(length=32), nullable=False),
        sa.Column("lock_date", sa.Date(), nullable=True),
        sa.Column("lock_policy", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=32), nullable=False),
        _fk("accounting_policies", "tenant_id", "tenants"),
        _fk("accounting_policies", "connection_id", "accounting_connections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_policies")),
        sa.UniqueConstraint("connection_id", name="uq_accounting_policies_connection"),
    )
    _indexes("accounting_policies", "tenant_id", "connection_id")

    op.create_table(
        "accounting_documents",
        _id(),
        _ref("tenant_id"),
        _ref("connection_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", DECIMAL, nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("party", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("payout", sa.String(length=300), nullable=True),
        sa.Column("fx_rate", sa.String(length=40), nullable=True),
        sa.Column("fx_source", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("posted_at", UTC, nullable=True),
        sa.Column("claimed_until", UTC, nullable=True),
        _fk("accounting_documents", "tenant_id", "tenants"),
        _fk("accounting_documents", "connection_id", "accounting_connections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_documents")),
        sa.UniqueConstraint("connection_id", "key", name="uq_accounting_documents_key"),
    )
    _indexes("accounting_documents", "tenant_id", "connection_id")
    op.create_index(
        "ix_accounting_documents_status", "accounting_documents", ["connection_id", "status"]
    )
    op.create_index(
        "ix_accounting_documents_date", "accounting_documents", ["connection_id", "date"]
    )

    op.create_table(
        "payouts",
        _id(),
        _ref("tenant_id"),
        _ref("channel_id"),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net", DECIMAL, nullable=False),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("refunds", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("payouts", "tenant_id", "tenants"),
        _fk("payouts", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("channel_id", "external_id", name="uq_payouts_channel_external"),
    )
    _indexes("payouts", "tenant_id", "channel_id")


def downgrade() -> None:
    for table in ("payouts", "accounting_documents", "accounting_policies"):
        op.drop_table(table)
