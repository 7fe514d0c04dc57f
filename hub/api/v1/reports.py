"""Reports as JSON or CSV: ``GET /api/v1/reports/{name}?days=30&format=csv``; the
inventory valuation at a date: ``GET /api/v1/reports/valuation?at=2026-11-30``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hub.api.v1.deps import CallerDep, HubDep
from hub.domain.clock import utcnow
from hub.services import reports

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/reports/{name}", response_model=None)
def report(
    name: str,
    hub: HubDep,
    who: CallerDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    format: Literal["json", "csv"] = "json",
    at: date | None = None,  # valuation: as of the end of this day; default today
) -> dict[str, Any] | Response:
    with hub.uow(who.tenant_id) as uow:
        rows = reports.run_report(uow.session, who.tenant_id, name, days, at=at)
    if format == "csv":
        return Response(
            reports.to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if name == "valuation":
        return {"report": name, "at": str(at or utcnow().date()), "items": rows}
    return {"report": name, "days": days, "items": rows}
