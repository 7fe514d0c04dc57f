"""API tokens: minted once, shown once, stored as a SHA-256 digest, scoped to one tenant
with one role. A token is ``hub_<random>``; only its digest is ever looked up."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hub.db.tables_operator import api_tokens
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue, NotFound

__all__ = [
    "Principal",
    "Role",
    "TokenRefused",
    "authenticate",
    "create_token",
    "digest",
    "list_tokens",
    "revoke_token",
    "token_state",
]


class Role(StrEnum):
    ADMIN = "admin"
    OPERATIONS = "operations"
    FINANCE = "finance"
    VIEWER = "viewer"


class TokenRefused(Exception):
    """Unknown, malformed, expired or revoked: the caller answers 401 and says which."""


@dataclass(frozen=True)
class Principal:
    token_id: int
    tenant_id: int
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"token:{self.name}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    tenant_id: int,
    name: str,
    role: str,
    *,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """Mint a token; the plain value is returned here and nowhere else. It stops working
    ``expires_in`` after ``now`` (default: the clock), never when that is not given."""
    try:
        parsed = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidValue("role", role, f"must be one of {allowed}", "token") from None
    if not name:
        raise InvalidValue("name", name, "must not be empty", "token")
    if expires_in is not None and expires_in <= timedelta(0):
        # "Expires in 0 days" must not read as "never": a token expires when told to.
        raise InvalidValue("expires_in", expires_in, "must be in the future", "token")
    token = "hub_" + secrets.token_urlsafe(32)
    now = now or utcnow()
    session.execute(
        insert(api_tokens).values(
            tenant_id=tenant_id,
            name=name,
            role=parsed.value,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
        )
    )
    return token


def authenticate(session: Session, token: str, now: datetime | None = None) -> Principal:
    if not token.startswith("hub_") or len(token) > 200:
        raise TokenRefused("malformed token")
    row = session.execute(
        select(api_tokens).where(api_tokens.c.token_hash == digest(token))
    ).one_or_none()
    if row is None:
        raise TokenRefused("unknown token")
    state = token_state(row.expires_at, row.revoked_at, now or utcnow())
    if state != "active":
        raise TokenRefused(f"token {state}")
    return Principal(row.id, row.tenant_id, row.name, Role(row.role))


def token_state(expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> str:
    """What ``authenticate`` would say of the token at ``now``: revoked, expired or active."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


def list_tokens(
    session: Session, tenant_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Names, roles, dates and state (as authentication judges it now); never the hash."""
    t = api_tokens.c
    at = now or utcnow()
    rows = session.execute(
        select(t.id, t.name, t.role, t.created_at, t.expires_at, t.revoked_at)
        .where(t.tenant_id == tenant_id)
        .order_by(t.id)
    ).mappings()
    return [{**r, "state": token_state(r["expires_at"], r["revoked_at"], at)} for r in rows]


def revoke_token(session: Session, tenant_id: int, token_id: int) -> None:
    t = api_tokens.c
    done = session.execute(
        update(api_tokens)
        .where(t.id == token_id, t.tenant_id == tenant_id, t.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("token", token_id)
