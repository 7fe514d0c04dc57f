"""Dependencies of the REST API: the caller (from the bearer token), the rule check, a
unit of work scoped to the caller's tenant, and pagination."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.routing import APIRoute

from hub.api.v1.policy import allowed
from hub.api.v1.problems import Problem
from hub.bootstrap import Hub
from hub.db.paging import Total
from hub.db.unit_of_work import UnitOfWork
from hub.observability import bind
from hub.services.sync_context import Dispatcher
from hub.services.tokens import Principal, TokenRefused, authenticate

__all__ = ["CallerDep", "HubDep", "Page", "PageDep", "RelayAfter", "UowDep", "caller"]

log = logging.getLogger("hub.api")

MAX_LIMIT = 500
# OFFSET reads and discards every row before the page: deep pages take the cursor.
MAX_OFFSET = 10_000


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(_hub)]


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise Problem(401, "malformed Authorization header: expected 'Bearer <token>'")
        return value.strip()
    return request.cookies.get("hub_token")


def identify(hub: Hub, request: Request) -> Principal:
    token = token_of(request)
    if token is None:
        raise Problem(401, "no API token: send 'Authorization: Bearer <token>'")
    with hub.uow() as uow:
        try:
            return authenticate(uow.session, token)
        except TokenRefused as exc:
            raise Problem(401, str(exc)) from None


def caller(request: Request, hub: HubDep) -> Principal:
    """Authenticate, then check the route's rule before any handler code runs."""
    principal = identify(hub, request)
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    if not allowed(principal.role, request.method, path):
        raise Problem(403, f"role {principal.role.value} may not {request.method} {path}")
    bind(tenant_id=principal.tenant_id, actor=principal.actor)
    return principal


CallerDep = Annotated[Principal, Depends(caller)]


def _uow(hub: HubDep, who: CallerDep) -> UnitOfWork:
    return hub.uow(who.tenant_id)


UowDep = Annotated[UnitOfWork, Depends(_uow)]


def _relay_after(request: Request, who: CallerDep) -> Iterator[None]:
    """After a write that committed (no exception): push what it changed (stock figures,
    shipments, cancellations) now rather than at the reaper's next sweep."""
    yield
    dispatcher: Dispatcher = request.app.state.dispatcher
    try:
        dispatcher.relay(who.tenant_id)
    except Exception:  # the write stands; the reaper finds its unsent events later
        log.warning("could not hand the relay to the workers", exc_info=True)


RelayAfter = Depends(_relay_after)


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    cursor: str | None = None


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"1-{MAX_LIMIT}")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="deeper pages: use `cursor`")
    ] = 0,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page")
    ] = None,
) -> Page:
    if cursor and offset:
        raise Problem(422, "give either cursor or offset, not both")
    return Page(limit, offset, cursor or None)


PageDep = Annotated[Page, Depends(_page)]


def paged(
    items: Sequence[object],
    page: Page,
    total: int | Total | None = None,
    next_cursor: str | None = None,
) -> dict[str, object]:
    """One envelope for every list: items, the page asked for, the total (exact, or the
    planner's estimate for big sets: `total_estimate` says which) and the cursor of the
    next page (null on the last)."""
    estimate = isinstance(total, Total) and total.estimate
    count = total.value if isinstance(total, Total) else total
    return {
        "items": list(items),
        "limit": page.limit,
        "offset": page.offset,
        "total": count,
        "total_estimate": estimate,
        "next_cursor": next_cursor,
    }
