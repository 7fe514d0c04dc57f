"""Operator surfaces: API tokens (hashed), the audit trail, recorded reconciliation runs.

Core tables only: the API reads and writes them in small statements, no domain objects.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from hub.db.tables import metadata
from hub.db.types import Id, UTCDateTime

__all__ = ["api_tokens", "audit_entries", "reconciliation_items", "reconciliation_runs"]

# Only the SHA-256 of a token is stored: a leaked table cannot be replayed as credentials.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # admin | operations | finance | viewer
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

# Who changed what, with the state before and after (操作留痕). Append-only.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(300), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_audit_entries_tenant_at", "tenant_id", "at"),
    # 0010_list_indexes: the trail newest first (keyset on id), with or without action.
    Index("ix_audit_entries_tenant_id", "tenant_id", "id"),
    Index("ix_audit_entries_tenant_action", "tenant_id", "action", "id"),
)

reconciliation_runs = Table(
    "reconciliation_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # books | stock
    Column("scope", String(200), nullable=False),  # the period or the channel
    Column("reconciled", Integer, nullable=False),  # 1 when every item is ok
    Column("counts", JSON, nullable=False, default=dict),
    Column("started_at", UTCDateTime(), nullable=False),
)

reconciliation_items = Table(
    "reconciliation_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False),
    Column("run_id", Id, ForeignKey("reconciliation_runs.id"), nullable=False, index=True),
    Column("key", String(300), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("data", JSON, nullable=False, default=dict),
)

TABLES = (api_tokens, audit_entries, reconciliation_runs, reconciliation_items)
