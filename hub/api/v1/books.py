"""Books connections for the finance role: connect (Beancount at once, QuickBooks and
Xero by OAuth2 in two steps), test, list, disconnect. Secrets go in, never out: views
carry the names of secret fields, and audit entries the names of the settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from hub.api.v1.audited import AuditedUnitOfWork
from hub.api.v1.deps import CallerDep, HubDep, PageDep, paged
from hub.bootstrap import Hub
from hub.db.unit_of_work import UnitOfWork
from hub.services import books_connections as books
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1/books", tags=["books"])


def _audited(hub: Hub, who: Principal, action: str, name: str, noted: Any) -> UnitOfWork:
    return AuditedUnitOfWork(hub, who, action, f"books:{name}", None, lambda s: noted)


def _view(view: books.BooksConnectionView) -> dict[str, Any]:
    return {
        **view.__dict__,
        "settings": dict(view.settings),
        "secret_fields": list(view.secret_fields),
    }


def _connected(result: books.Connected) -> dict[str, Any]:
    return {**_view(result.connection), "check": result.check.__dict__}


@router.get("/connections")
def list_connections(hub: HubDep, who: CallerDep, page: PageDep) -> dict[str, Any]:
    views = books.list_books(hub.uow(who.tenant_id), hub.connectors)
    shown = [_view(v) for v in views[page.offset : page.offset + page.limit]]
    return paged(shown, page, len(views))


class NewBooks(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    system: str = Field(min_length=1, max_length=64, description="beancount, quickbooks, xero")
    values: dict[str, Any] = Field(
        description="the system's settings and secrets; secrets are sealed, never returned"
    )
    redirect_uri: str | None = Field(
        None, description="QuickBooks / Xero: the redirect URI registered with the app"
    )


@router.post("/connections", status_code=201)
def connect(body: NewBooks, hub: HubDep, who: CallerDep, response: Response) -> dict[str, Any]:
    """Beancount: connected at once (201). QuickBooks / Xero: 202 with the URL to send
    the merchant to; the redirect comes back to POST /books/authorizations."""
    noted = {"system": body.system, "fields": sorted(body.values)}
    started = books.start_connect(
        lambda: _audited(hub, who, "books.connect", body.name, noted),
        hub.secret_box,
        hub.connectors,
        name=body.name,
        system=body.system,
        values=body.values,
        redirect_uri=body.redirect_uri,
    )
    if isinstance(started, books.Authorization):
        response.status_code = 202
        return {
            "name": started.name,
            "system": started.system,
            "authorization_url": started.url,
            "state": started.state,
            "expires_at": started.expires_at.isoformat(),
        }
    return _connected(started)


class Callback(BaseModel):
    redirect_url: str = Field(
        min_length=1, max_length=4000, description="the URL the login sent back (code, state)"
    )
    state: str | None = Field(None, description="only when redirect_url is a bare code")


@router.post("/authorizations", status_code=201)
def authorize(body: Callback, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    result = books.complete_authorization(
        lambda: _audited(hub, who, "books.authorize", "oauth2", {"step": "code exchanged"}),
        hub.secret_box,
        hub.connectors,
        body.redirect_url,
        body.state,
    )
    return _connected(result)


@router.post("/connections/{name}/test")
def test(name: str, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """Read the chart of accounts and the tax codes; their counts."""
    check = books.test_books(
        lambda: hub.uow(who.tenant_id),
        hub.connectors,
        name,
        lambda cid: hub.open_connector(who.tenant_id, cid),
    )
    return {"name": name, **check.__dict__}


@router.delete("/connections/{name}")
def disconnect(name: str, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    view = books.disconnect(
        _audited(hub, who, "books.disconnect", name, {"secrets": "deleted"}), name
    )
    return _view(view)
