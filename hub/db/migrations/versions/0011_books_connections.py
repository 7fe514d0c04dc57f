"""books connections: OAuth2 authorizations under way for `hub books connect`

Revision ID: 0011_books_connections
Revises: 0010_sync_status
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.types

revision: str = "0011_books_connections"
down_revision: str | Sequence[str] | None = "0010_sync_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "books_authorizations",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("state_digest", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("expires_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", hub.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("state_digest", name="uq_books_authorizations_state_digest"),
    )
    op.create_index("ix_books_authorizations_tenant_id", "books_authorizations", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_books_authorizations_tenant_id", "books_authorizations")
    op.drop_table("books_authorizations")
