"""operator surfaces: api tokens, audit entries, reconciliation runs and items

Revision ID: 0007_operator
Revises: 0004_connections, 0005b_sync_reaper, 0006_accounting
Create Date: 2026-11-22 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0007_operator"
down_revision: str | Sequence[str] | None = (
    "0004_connections",
    "0005b_sync_reaper",
    "0006_accounting",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, hub.db.types.UTCDateTime(timezone=True), nullable=nullable)


def _tenant(table: str) -> list:  # type: ignore[type-arg]
    return [
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        *_tenant("api_tokens"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _when("created_at"),
        _when("expires_at", True),
        _when("revoked_at", True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_tenant_id", "api_tokens", ["tenant_id"])
    op.create_table(
        "audit_entries",
        *_tenant("audit_entries"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        _when("at"),
    )
    op.create_index("ix_audit_entries_tenant_at", "audit_entries", ["tenant_id", "at"])
    op.create_table(
        "reconciliation_runs",
        *_tenant("reconciliation_runs"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("reconciled", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        _when("started_at"),
    )
    op.create_index("ix_reconciliation_runs_tenant_id", "reconciliation_runs", ["tenant_id"])
    op.create_table(
        "reconciliation_items",
        *_tenant("reconciliation_items"),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_runs.id"],
            name="fk_reconciliation_items_run_id_reconciliation_runs",
        ),
    )
    op.create_index("ix_reconciliation_items_run_id", "reconciliation_items", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_reconciliation_items_run_id", table_name="reconciliation_items")
    op.drop_table("reconciliation_items")
    op.drop_index("ix_reconciliation_runs_tenant_id", table_name="reconciliation_runs")
    op.drop_table("reconciliation_runs")
    op.drop_index("ix_audit_entries_tenant_at", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index("ix_api_tokens_tenant_id", table_name="api_tokens")
    op.drop_table("api_tokens")
