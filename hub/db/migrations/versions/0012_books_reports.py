"""books reports: payment terms, supplier payments, documents by payout

Revision ID: 0012_books_reports
Revises: 0011_books_connections
Create Date: 2026-12-05 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0012_books_reports"
down_revision: str | Sequence[str] | None = "0011_books_connections"
branch_labels: str | Sequence[str] | None = None
# The accounting tables (0006) are on another branch of the history than 0011.
depends_on: str | Sequence[str] | None = "0006_accounting"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment_terms",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_terms_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_terms")),
        sa.UniqueConstraint("tenant_id", "party_kind", "party", name="uq_payment_terms_party"),
    )
    op.create_index(op.f("ix_payment_terms_tenant_id"), "payment_terms", ["tenant_id"])
    op.create_table(
        "supplier_payments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("document_key", sa.String(length=300), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", hub.db.types.ExactDecimal(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("created_at", hub.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_supplier_payments_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["accounting_connections.id"],
            name=op.f("fk_supplier_payments_connection_id_accounting_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_payments")),
    )
    op.create_index(op.f("ix_supplier_payments_tenant_id"), "supplier_payments", ["tenant_id"])
    op.create_index(
        op.f("ix_supplier_payments_connection_id"), "supplier_payments", ["connection_id"]
    )
    op.create_index(
        "ix_supplier_payments_bill", "supplier_payments", ["connection_id", "document_key"]
    )
    op.create_index(
        "ix_accounting_documents_payout", "accounting_documents", ["connection_id", "payout"]
    )


def downgrade() -> None:
    op.drop_index("ix_accounting_documents_payout", table_name="accounting_documents")
    op.drop_table("supplier_payments")
    op.drop_table("payment_terms")
