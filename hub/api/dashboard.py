"""The dashboard: server-rendered pages (Jinja2) with a few lines of our own JS, served
from the package (no CDN, no build step). Same tokens and rules as the API: the token
sits in an HttpOnly, SameSite=Strict cookie after the login form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hub.api.v1.deps import HubDep, identify
from hub.api.v1.policy import GRANTS, Permission
from hub.api.v1.problems import Problem
from hub.bootstrap import Hub
from hub.db import stock_rows
from hub.db.paging import keyset_page
from hub.domain.orders import OrderStatus
from hub.services import order_views, reconciliation_runs, reports, stock_policy
from hub.services.inbox import list_errors
from hub.services.overview import overview
from hub.services.tokens import Principal, TokenRefused, authenticate

__all__ = ["install_login_redirect", "mount_static", "router"]

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/dashboard", include_in_schema=False)
COOKIE = "hub_token"
STOCK_ROWS = 500  # the stock page's balances; the API pages through the rest


def mount_static(app: FastAPI) -> None:
    app.mount("/dashboard/static", StaticFiles(directory=str(HERE / "static")), name="static")


class LoginNeeded(Exception):
    pass


def _who(hub: Hub, request: Request, needs: Permission) -> Principal:
    try:
        principal = identify(hub, request)
    except Problem as exc:
        if exc.status == 401:
            raise LoginNeeded from None
        raise
    if needs not in GRANTS[principal.role]:
        raise Problem(403, f"role {principal.role.value} may not see this page")
    return principal


def _page(request: Request, template: str, who: Principal, **context: Any) -> HTMLResponse:
    grants = {p.value for p in GRANTS[who.role]}
    return templates.TemplateResponse(request, template, {"who": who, "grants": grants, **context})


@router.get("/login")
def login_form(request: Request, error: str = "") -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": error})


@router.post("/login")
def login(hub: HubDep, token: Annotated[str, Form(max_length=200)]) -> Response:
    with hub.uow() as uow:
        try:
            authenticate(uow.session, token.strip())
        except TokenRefused as exc:
            return RedirectResponse(f"/dashboard/login?error={exc}", status_code=303)
    response = RedirectResponse("/dashboard/", status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/")
def home(request: Request, hub: HubDep) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        data = overview(uow.session, who.tenant_id)
    return _page(request, "overview.html", who, o=data)


@router.get("/stock")
def stock(request: Request, hub: HubDep, warehouse: str | None = None) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        # Filtered and cut in SQL (the first STOCK_ROWS balances by SKU), never every
        # balance of the tenant loaded to be filtered here.
        lines = keyset_page(
            uow.session,
            stock_rows.balances(who.tenant_id, warehouse),
            stock_rows.BALANCE_KEY,
            descending=False,
            limit=STOCK_ROWS,
        ).items
    ats = stock_policy.ats_report(hub.uow(who.tenant_id))
    channels = sorted({a.channel for a in ats})
    skus = sorted({a.sku for a in ats})
    grid = {(a.channel, a.sku): a.available for a in ats}
    return _page(
        request,
        "stock.html",
        who,
        lines=lines,
        channels=channels,
        skus=skus,
        grid=grid,
        warehouse=warehouse,
    )


@router.get("/orders")
def orders(request: Request, hub: HubDep, status: str | None = None) -> Response:
    who = _who(hub, request, Permission.READ)
    try:
        where = order_views.OrderFilter(status=OrderStatus(status) if status else None)
    except ValueError:
        raise Problem(422, f"unknown order status {status!r}") from None
    with hub.uow(who.tenant_id) as uow:
        rows = order_views.list_orders(uow.session, who.tenant_id, where, 200, 0)
    return _page(request, "orders.html", who, orders=rows, status=status)


@router.get("/orders/{order_id}")
def order(request: Request, hub: HubDep, order_id: int) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        detail = order_views.order_detail(uow.session, who.tenant_id, order_id)
    return _page(request, "order.html", who, order=detail)


@router.get("/errors")
def errors(request: Request, hub: HubDep) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        found = list_errors(uow.session, who.tenant_id, limit=500)
    return _page(request, "errors.html", who, errors=found)


@router.get("/reconciliation")
def reconciliation(request: Request, hub: HubDep) -> Response:
    who = _who(hub, request, Permission.BOOKS_READ)
    with hub.uow(who.tenant_id) as uow:
        runs, _ = reconciliation_runs.list_runs(uow.session, who.tenant_id, None, 100, 0)
    return _page(request, "reconciliation.html", who, runs=runs)


@router.get("/reconciliation/{run_id}")
def reconciliation_run(request: Request, hub: HubDep, run_id: int) -> Response:
    who = _who(hub, request, Permission.BOOKS_READ)
    with hub.uow(who.tenant_id) as uow:
        run = reconciliation_runs.get_run(uow.session, who.tenant_id, run_id)
    return _page(request, "reconciliation_run.html", who, run=run)


@router.get("/reports")
def report_page(
    request: Request, hub: HubDep, name: str = "sync-health", days: int = 30
) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        rows = reports.run_report(uow.session, who.tenant_id, name, days)
    return _page(
        request, "reports.html", who, rows=rows, name=name, days=days, names=list(reports.REPORTS)
    )


def install_login_redirect(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/dashboard/login", status_code=303)

    app.add_exception_handler(LoginNeeded, to_login)
