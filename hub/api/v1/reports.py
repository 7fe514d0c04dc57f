"""Reports as JSON or CSV: ``GET /api/v1/reports/{name}?days=30&format=csv``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hub.api.v1.deps import CallerDep, HubDep
from hub.services import reports

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/reports/{name}", response_model=None)
def report(
    name: str,
    hub: HubDep,
    who: CallerDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    format: Literal["json", "csv"] = "json",
) -> dict[str, Any] | Response:
    with hub.uow(who.tenant_id) as uow:
        rows = reports.run_report(uow.session, who.tenant_id, name, days)
    if format == "csv":
        return Response(
            reports.to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return {"report": name, "days": days, "items": rows}
