"""Reports as JSON or CSV: ``GET /api/v1/reports/{name}?days=30&format=csv``; the finance
reports against a books connection at an as-of date (finance role):
``GET /api/v1/reports/ar-aging?books=xero&as_of=2026-11-30``, ``.../ap-aging``,
``.../payout-clearing?since=2026-11-01``; the inventory valuation at a date:
``GET /api/v1/reports/valuation?at=2026-11-30``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hub.api.v1.deps import CallerDep, HubDep
from hub.bootstrap import Hub
from hub.domain.clock import utcnow
from hub.services import finance_reports, reports
from hub.services.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["reports"])

Format = Literal["json", "csv"]
BooksQ = Annotated[str, Query(min_length=1, max_length=200, description="Books connection.")]
AsOfQ = Annotated[date | None, Query(description="The day the report is as of (default today).")]
SinceQ = Annotated[
    date | None, Query(description="payout-clearing: payouts paid from this day on.")
]


def _answer(
    name: str, rows: list[dict[str, Any]], format: Format, **about: Any
) -> dict[str, Any] | Response:
    if format == "csv":
        return Response(
            reports.to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return {"report": name, **about, "items": rows}


def _finance(
    name: str, hub: Hub, who: Principal, books: str, as_of: date | None, since: date | None
) -> tuple[list[dict[str, Any]], date]:
    day = as_of or utcnow().date()
    query = finance_reports.FinanceQuery(books, day, since)
    return finance_reports.run_finance_report(hub.uow(who.tenant_id), name, query), day


@router.get("/reports/ar-aging", response_model=None)
def ar_aging(
    hub: HubDep, who: CallerDep, books: BooksQ, as_of: AsOfQ = None, format: Format = "json"
) -> dict[str, Any] | Response:
    """Aged receivables per channel and customer: current, 1-30, 31-60, 61-90, 90+ days
    past due, per currency and in the home currency (docs/reports.md)."""
    rows, day = _finance("ar-aging", hub, who, books, as_of, None)
    return _answer("ar-aging", rows, format, books=books, as_of=day.isoformat())


@router.get("/reports/ap-aging", response_model=None)
def ap_aging(
    hub: HubDep, who: CallerDep, books: BooksQ, as_of: AsOfQ = None, format: Format = "json"
) -> dict[str, Any] | Response:
    """Aged payables per supplier: each bill less the payments recorded by the date."""
    rows, day = _finance("ap-aging", hub, who, books, as_of, None)
    return _answer("ap-aging", rows, format, books=books, as_of=day.isoformat())


@router.get("/reports/payout-clearing", response_model=None)
def payout_clearing(
    hub: HubDep,
    who: CallerDep,
    books: BooksQ,
    as_of: AsOfQ = None,
    since: SinceQ = None,
    format: Format = "json",
) -> dict[str, Any] | Response:
    """Per payout paid in the window: expected, settled (the bank line), clearing left,
    bank match and findings."""
    rows, day = _finance("payout-clearing", hub, who, books, as_of, since)
    about = {"books": books, "as_of": day.isoformat(), "since": since and since.isoformat()}
    return _answer("payout-clearing", rows, format, **about)


@router.get("/reports/{name}", response_model=None)
def report(
    name: str,
    hub: HubDep,
    who: CallerDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    format: Format = "json",
    at: date | None = None,  # valuation: as of the end of this day; default today
) -> dict[str, Any] | Response:
    with hub.uow(who.tenant_id) as uow:
        rows = reports.run_report(uow.session, who.tenant_id, name, days, at=at)
    if name == "valuation":
        return _answer(name, rows, format, at=str(at or utcnow().date()))
    return _answer(name, rows, format, days=days)
