"""Reconciliation results kept for the operator: one run per book or channel check,
one item per finding, so the API and the dashboard can drill down after the job ended."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hub.db.tables_operator import reconciliation_items, reconciliation_runs
from hub.domain.clock import utcnow
from hub.domain.errors import NotFound
from reconciliation.channels import ChannelReport
from reconciliation.model import Report

__all__ = ["get_run", "list_runs", "record_books", "record_channel"]


def _record(
    session: Session,
    tenant_id: int,
    kind: str,
    scope: str,
    reconciled: bool,
    counts: dict[str, int],
    items: list[dict[str, Any]],
) -> int:
    run_id = session.execute(
        insert(reconciliation_runs)
        .values(
            tenant_id=tenant_id,
            kind=kind,
            scope=scope,
            reconciled=int(reconciled),
            counts=counts,
            started_at=utcnow(),
        )
        .returning(reconciliation_runs.c.id)
    ).scalar_one()
    if items:
        session.execute(
            insert(reconciliation_items),
            [{"tenant_id": tenant_id, "run_id": run_id, **item} for item in items],
        )
    return int(run_id)


def record_books(session: Session, tenant_id: int, report: Report) -> int:
    items = [
        {
            "key": f.key,
            "outcome": f.outcome.value,
            "detail": f.detail,
            "data": {
                "kind": f.kind,
                "currency": f.currency,
                "hub_total": None if f.hub_total is None else str(f.hub_total),
                "books_total": None if f.books_total is None else str(f.books_total),
                "delta": None if f.delta is None else str(f.delta),
                "fields": list(f.fields),
            },
        }
        for f in report.findings
    ]
    scope = f"{report.connection} {report.period}"
    return _record(session, tenant_id, "books", scope, report.reconciled, report.counts(), items)


def record_channel(session: Session, tenant_id: int, report: ChannelReport) -> int:
    items = [
        {"key": f"order:{o}", "outcome": "missing_in_hub", "detail": "", "data": {}}
        for o in report.missing_orders
    ] + [
        {
            "key": f"stock:{d.sku}",
            "outcome": "stock_drift",
            "detail": f"channel shows {d.channel_shows}, hub has {d.hub_available} ({d.source})",
            "data": {"listing": d.listing, "channel": d.channel_shows, "hub": d.hub_available},
        }
        for d in report.drift
    ]
    counts = {
        "checked_orders": report.checked_orders,
        "missing_orders": len(report.missing_orders),
        "checked_listings": report.checked_listings,
        "drift": len(report.drift),
    }
    return _record(session, tenant_id, "stock", report.channel, report.reconciled, counts, items)


def list_runs(
    session: Session, tenant_id: int, kind: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    r = reconciliation_runs.c
    where = [r.tenant_id == tenant_id] + ([r.kind == kind] if kind else [])
    rows = session.execute(
        select(reconciliation_runs).where(*where).order_by(r.id.desc()).limit(limit).offset(offset)
    ).mappings()
    total = session.execute(select(func.count()).where(*where)).scalar_one()
    return [_run(row) for row in rows], int(total)


def _run(row: Any) -> dict[str, Any]:
    return {**dict(row), "reconciled": bool(row["reconciled"])}


def get_run(session: Session, tenant_id: int, run_id: int) -> dict[str, Any]:
    r, i = reconciliation_runs.c, reconciliation_items.c
    row = (
        session.execute(select(reconciliation_runs).where(r.id == run_id, r.tenant_id == tenant_id))
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("reconciliation run", run_id)
    items = session.execute(
        select(i.id, i.key, i.outcome, i.detail, i.data)
        .where(i.run_id == run_id, i.tenant_id == tenant_id)
        .order_by(i.id)
    ).mappings()
    return {**_run(row), "items": [dict(item) for item in items]}
