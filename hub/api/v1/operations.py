"""The error queue, mappings, connections, reconciliation runs and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.deps import SyncDep
from hub.api.v1.audited import AuditedUnitOfWork
from hub.api.v1.deps import CallerDep, HubDep, Page, PageDep, RelayAfter, paged
from hub.api.v1.problems import Problem
from hub.bootstrap import Hub
from hub.db import operator_rows
from hub.db import tables as t
from hub.db.paging import Key, Slice, keyset_page, total_of
from hub.services import (
    audit,
    connections,
    error_queue,
    ingest,
    listings,
    reconciliation_runs,
    sync_status,
)
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["operations"])


@router.get("/errors")
def errors(
    hub: HubDep, who: CallerDep, page: PageDep, include_resolved: bool = False
) -> dict[str, Any]:
    query = operator_rows.error_rows(who.tenant_id, include_resolved)
    with hub.uow(who.tenant_id) as uow:
        found = _keyset(uow.session, query, operator_rows.ERROR_KEY, page, descending=False)
        total = total_of(uow.session, query)
    items = [
        {
            **r,
            "created_at": r["created_at"].isoformat(),
            "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
        }
        for r in found.items
    ]
    return paged(items, page, total, found.next_cursor)


def _keyset(
    session: Session, query: Any, key: Sequence[Key], page: Page, *, descending: bool
) -> Slice:
    return keyset_page(
        session,
        query,
        key,
        descending=descending,
        limit=page.limit,
        offset=page.offset,
        cursor=page.cursor,
    )


@router.get("/errors/{error_id}")
def error_detail(error_id: int, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """One error whole: the record, the field and the full reason."""
    with hub.uow(who.tenant_id) as uow:
        found = error_queue.get_error(uow.session, who.tenant_id, error_id)
    if found is None:
        raise Problem(404, f"error {error_id} not found")
    return found.as_dict()


@router.get("/sync/status")
def sync_status_list(hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """Per channel and stream: the last successful sync and the last error (with its time)."""
    with hub.uow(who.tenant_id) as uow:
        rows = sync_status.channel_status(uow.session, who.tenant_id)
    items = [
        {
            **r,
            "last_success_at": r["last_success_at"].isoformat() if r["last_success_at"] else None,
            "last_error_at": r["last_error_at"].isoformat() if r["last_error_at"] else None,
        }
        for r in rows
    ]
    return {"items": items}


@router.post("/errors/{error_id}/replay")
def replay(error_id: int, hub: HubDep, who: CallerDep, sync: SyncDep) -> dict[str, Any]:
    """Run the failed record again from its archived payload (after the fix)."""
    with hub.uow(who.tenant_id) as uow:
        found = error_queue.get_error(uow.session, who.tenant_id, error_id)
    before = found.as_dict() if found is not None else None
    if before is None:
        raise Problem(404, f"error {error_id} not found")
    if before["inbox_id"] is None:
        raise Problem(409, f"error {error_id} has no archived payload to replay")
    outcome = ingest.replay(sync, who.tenant_id, error_id)
    after = {"result": outcome.result, "reason": outcome.reason, "order_id": outcome.order_id}
    with hub.uow(who.tenant_id) as uow:
        audit.record(
            uow.session,
            who.tenant_id,
            who.actor,
            "error.replay",
            f"error:{error_id}",
            before,
            after,
        )
        uow.commit()
    return {"error_id": error_id, **after}


@router.get("/mappings/listings")
def mapped_listings(
    hub: HubDep, who: CallerDep, page: PageDep, channel: str | None = None
) -> dict[str, Any]:
    ls, c, s = t.listings.c, t.channels.c, t.skus.c
    query = (
        select(
            ls.id,
            c.name.label("channel"),
            ls.channel_sku,
            s.code.label("sku"),
            ls.channel_variant_id,
            ls.channel_inventory_item_id,
        )
        .join(t.channels, c.id == ls.channel_id)
        .outerjoin(t.skus, s.id == ls.sku_id)
        .where(ls.tenant_id == who.tenant_id)
    )
    if channel:
        query = query.where(c.name == channel)
    with hub.uow(who.tenant_id) as uow:
        total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = uow.session.execute(
            query.order_by(ls.id).limit(page.limit).offset(page.offset)
        ).mappings()
        items = [dict(r) for r in rows]
    return paged(items, page, int(total))


class ListingLink(BaseModel):
    channel: str = Field(min_length=1, max_length=200)
    channel_sku: str = Field(min_length=1, max_length=255)
    sku: str | None = Field(None, max_length=64, description="hub SKU code; null unlinks")


def _listing(hub: Hub, who: Principal, body: ListingLink) -> dict[str, Any] | None:
    ls, c, k = t.listings.c, t.channels.c, t.skus.c
    with hub.uow(who.tenant_id) as uow:
        row = (
            uow.session.execute(
                select(ls.id, k.code.label("sku"))
                .join(t.channels, c.id == ls.channel_id)
                .outerjoin(t.skus, k.id == ls.sku_id)
                .where(
                    ls.tenant_id == who.tenant_id,
                    c.name == body.channel,
                    ls.channel_sku == body.channel_sku,
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row else None


@router.put("/mappings/listings", dependencies=[RelayAfter])
def link(body: ListingLink, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    """Link a channel SKU to a hub SKU; orders held for it are healed."""
    target = f"listing:{body.channel}/{body.channel_sku}"
    uow = AuditedUnitOfWork(
        hub, who, "mapping.link", target, _listing(hub, who, body), lambda s: {"sku": body.sku}
    )
    listing, healed = listings.link_listing(uow, body.channel, body.channel_sku, body.sku)
    after = {"listing_id": listing.id, "sku": body.sku, "healed_orders": healed}
    return after


def _connection(view: connections.ConnectionView) -> dict[str, Any]:
    # Secrets are write-only: their names are listed, their values never leave the hub.
    return {**view.__dict__, "secret_fields": list(view.secret_fields)}


@router.get("/connections")
def list_connections(hub: HubDep, who: CallerDep, page: PageDep) -> dict[str, Any]:
    views = connections.list_connections(hub.uow(who.tenant_id), hub.connectors)
    shown = [_connection(v) for v in views[page.offset : page.offset + page.limit]]
    return paged(shown, page, len(views))


class NewConnection(BaseModel):
    connector: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    channel: str | None = None
    values: dict[str, Any] = Field(
        description="settings and credentials; credentials are encrypted and never returned"
    )


@router.post("/connections", status_code=201)
def add_connection(body: NewConnection, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    # Audited without the values: names of the settings only, never a credential.
    noted = {
        "connector": body.connector,
        "display_name": body.display_name,
        "fields": sorted(body.values),
    }
    uow = AuditedUnitOfWork(
        hub, who, "connection.add", f"connection:{body.display_name}", None, lambda s: noted
    )
    view = connections.add_connection(
        uow,
        hub.secret_box,
        hub.connectors,
        connector=body.connector,
        display_name=body.display_name,
        values=body.values,
        channel=body.channel,
    )
    shown = _connection(view)
    return shown


@router.get("/reconciliation/runs")
def runs(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    kind: Annotated[str | None, Query(pattern="^(books|stock)$")] = None,
) -> dict[str, Any]:
    with hub.uow(who.tenant_id) as uow:
        items, total = reconciliation_runs.list_runs(
            uow.session, who.tenant_id, kind, page.limit, page.offset
        )
    return paged(list(items), page, total)


@router.get("/reconciliation/runs/{run_id}")
def run(run_id: int, hub: HubDep, who: CallerDep) -> dict[str, Any]:
    with hub.uow(who.tenant_id) as uow:
        return reconciliation_runs.get_run(uow.session, who.tenant_id, run_id)


@router.get("/audit")
def audit_trail(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    action: str | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    if since is not None and since.tzinfo is None:
        raise Problem(422, "since needs a timezone (e.g. 2026-11-01T00:00:00Z)")
    query = operator_rows.audit_rows(who.tenant_id, action, since)
    with hub.uow(who.tenant_id) as uow:
        found = _keyset(uow.session, query, operator_rows.AUDIT_KEY, page, descending=True)
        total = total_of(uow.session, query)
    items = [{**r, "at": r["at"].isoformat()} for r in found.items]
    return paged(items, page, total, found.next_cursor)
