"""Connections: one configured storefront or accounting connector per row.

Secrets live only in ``credentials``, a Fernet token (hub.crypto.SecretBox); ``settings``
holds the connector's non-secret config. OAuth2 tokens are secrets too: they ride in the
same blob and are rewritten under a row lock when refreshed (hub.services.connections).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint

from hub.db.tables import metadata
from hub.db.types import Id, UTCDateTime

connections = Table(
    "connections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # storefront | accounting
    Column("connector", String(64), nullable=False),  # registry name, e.g. "woocommerce"
    Column("display_name", String(200), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=True, index=True),
    Column("credentials", Text, nullable=False),
    Column("settings", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "display_name", name="uq_connections_tenant_display_name"),
)

# An OAuth2 authorization under way (``hub books connect quickbooks|xero``): the state
# sent to the consent page (as its SHA-256, single use) and the validated settings with
# their secrets sealed, until the code comes back. Nothing here is a connection yet.
books_authorizations = Table(
    "books_authorizations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("state_digest", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("system", String(64), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("credentials", Text, nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
