"""The dashboard: server-rendered pages (Jinja2) with a few lines of our own JS, served
from the package (no CDN, no build step). Same tokens and rules as the API: the token
sits in an HttpOnly, SameSite=Strict cookie after the login form."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hub.api.finance_charts import finance_charts
from hub.api.v1.deps import HubDep, identify
from hub.api.v1.policy import GRANTS, Permission
from hub.api.v1.problems import Problem
from hub.bootstrap import Hub
from hub.db import stock_rows
from hub.db.paging import keyset_page
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import readable, utcnow
from hub.domain.errors import DomainError
from hub.domain.orders import OrderStatus
from hub.services import (
    books_connections,
    error_queue,
    finance_reports,
    notifications,
    order_views,
    reconciliation_runs,
    reports,
    stock_policy,
)
from hub.services.overview import overview
from hub.services.tokens import Principal, TokenRefused, authenticate

__all__ = ["install_login_redirect", "mount_static", "router"]

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
# Times as an operator reads them (UTC to the second), in every page.
templates.env.filters["when"] = lambda moment: readable(moment) if moment else "never"
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


ERRORS_PER_PAGE = 100


@router.get("/errors")
def errors(
    request: Request, hub: HubDep, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        found = error_queue.page_errors(
            uow.session,
            who.tenant_id,
            limit=ERRORS_PER_PAGE,
            offset=(page - 1) * ERRORS_PER_PAGE,
        )
    return _page(request, "errors.html", who, errors=found, page=page)


@router.get("/errors/{error_id}")
def error(request: Request, hub: HubDep, error_id: int) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        found = error_queue.get_error(uow.session, who.tenant_id, error_id)
    if found is None:
        raise Problem(404, f"error {error_id} not found")
    return _page(request, "error.html", who, error=found)


@router.get("/notifications")
def notifications_page(request: Request, hub: HubDep) -> Response:
    """Recent notifications with how their deliveries stand, the delivery log, and the
    subscriptions (a webhook's URL shortened to its host; never a secret)."""
    who = _who(hub, request, Permission.READ)

    def tenant() -> UnitOfWork:
        return hub.uow(who.tenant_id)

    return _page(
        request,
        "notifications.html",
        who,
        recent=notifications.recent(tenant(), limit=100),
        log=notifications.delivery_log(tenant(), limit=50),
        subscriptions=notifications.list_subscriptions(tenant()),
        limits=notifications.thresholds(tenant(), hub.settings),
    )


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
    request: Request,
    hub: HubDep,
    name: str = "sync-health",
    days: Annotated[int, Query(ge=1, le=3650)] = 30,  # as /api/v1/reports
) -> Response:
    who = _who(hub, request, Permission.READ)
    with hub.uow(who.tenant_id) as uow:
        rows = reports.run_report(uow.session, who.tenant_id, name, days)
    return _page(
        request, "reports.html", who, rows=rows, name=name, days=days, names=list(reports.REPORTS)
    )


FINANCE_DEFAULT = "ar-aging"


@router.get("/finance")
def finance_page(
    request: Request,
    hub: HubDep,
    name: str = FINANCE_DEFAULT,
    books: Annotated[str, Query(max_length=200)] = "",
    as_of: date | None = None,
) -> Response:
    """Aged receivables and payables and payout clearing, with a bar chart of each."""
    who = _who(hub, request, Permission.BOOKS_READ)
    day = as_of or utcnow().date()
    rows: list[dict[str, Any]] = []
    error = ""
    if books:
        query = finance_reports.FinanceQuery(books, day)
        try:
            rows = finance_reports.run_finance_report(hub.uow(who.tenant_id), name, query)
        except DomainError as exc:
            error = str(exc)
    return _page(
        request,
        "finance.html",
        who,
        rows=rows,
        name=name,
        books=books,
        as_of=day.isoformat(),
        names=list(finance_reports.FINANCE_REPORTS),
        charts=finance_charts(name, rows),
        none_text="-" if name == "payout-clearing" else "unknown",
        error=error,
    )


def _books(request: Request, hub: Hub, who: Principal, message: str = "") -> HTMLResponse:
    views = books_connections.list_books(hub.uow(who.tenant_id), hub.connectors)
    redirect = f"{str(request.base_url).rstrip('/')}/dashboard/books/callback"
    can_write = Permission.BOOKS_WRITE in GRANTS[who.role]
    return _page(
        request,
        "books.html",
        who,
        books=views,
        message=message,
        redirect_uri=redirect,
        can_write=can_write,
    )


def _connected(result: books_connections.Connected) -> str:
    c, check = result.connection, result.check
    return f"{c.name} connected: {check.accounts} accounts, {check.tax_codes} tax codes"


@router.get("/books")
def books_page(request: Request, hub: HubDep) -> Response:
    who = _who(hub, request, Permission.BOOKS_READ)
    return _books(request, hub, who)


FormText = Annotated[str, Form(max_length=500)]


@router.post("/books/connect")
def books_connect(
    request: Request,
    hub: HubDep,
    system: FormText,
    name: FormText,
    ledger_path: FormText = "",
    book_path: FormText = "",
    currency: FormText = "",
    realm_id: FormText = "",
    environment: FormText = "",
    xero_tenant_id: FormText = "",
    client_id: FormText = "",
    client_secret: FormText = "",
    redirect_uri: FormText = "",
) -> Response:
    """Beancount at once; QuickBooks / Xero: off to their consent page (303)."""
    who = _who(hub, request, Permission.BOOKS_WRITE)
    given = {
        "ledger_path": ledger_path,
        "book_path": book_path,
        "realm_id": realm_id,
        "environment": environment,
        "xero_tenant_id": xero_tenant_id,
        "client_id": client_id,
    }
    values: dict[str, Any] = {k: v.strip() for k, v in given.items() if v.strip()}
    if books_connections.signs_in(hub.connectors, system):
        values["client_secret"] = client_secret
    if currency.strip():
        key = books_connections.CURRENCY_FIELD
        values[key.get(system, "base_currency")] = currency.strip().upper()
    try:
        started = books_connections.start_connect(
            lambda: hub.uow(who.tenant_id),
            hub.secret_box,
            hub.connectors,
            name=name,
            system=system,
            values=values,
            redirect_uri=redirect_uri.strip() or None,
        )
    except DomainError as exc:
        return _books(request, hub, who, f"not connected: {exc}")
    if isinstance(started, books_connections.Authorization):
        return RedirectResponse(started.url, status_code=303)
    return _books(request, hub, who, _connected(started))


@router.get("/books/callback")
def books_callback(request: Request) -> HTMLResponse:
    """Where the books send the merchant back. The session cookie is SameSite=Strict, so
    it is not sent on this cross-site redirect: this page only asks to confirm, and the
    confirming POST (same site, cookie sent) does the exchange."""
    return templates.TemplateResponse(
        request, "books_callback.html", {"redirect_url": str(request.url)}
    )


@router.post("/books/callback")
def books_finish(
    request: Request, hub: HubDep, redirect_url: Annotated[str, Form(max_length=4000)]
) -> Response:
    who = _who(hub, request, Permission.BOOKS_WRITE)
    try:
        result = books_connections.complete_authorization(
            lambda: hub.uow(who.tenant_id), hub.secret_box, hub.connectors, redirect_url
        )
    except DomainError as exc:
        return _books(request, hub, who, f"not connected: {exc}")
    return _books(request, hub, who, _connected(result))


@router.post("/books/{name}/test")
def books_test(request: Request, hub: HubDep, name: str) -> Response:
    who = _who(hub, request, Permission.BOOKS_READ)
    try:
        check = books_connections.test_books(
            lambda: hub.uow(who.tenant_id),
            hub.connectors,
            name,
            lambda cid: hub.open_connector(who.tenant_id, cid),
        )
    except DomainError as exc:
        return _books(request, hub, who, f"test failed: {exc}")
    message = f"{name}: {check.accounts} accounts, {check.tax_codes} tax codes"
    return _books(request, hub, who, message)


@router.post("/books/{name}/disconnect")
def books_disconnect(request: Request, hub: HubDep, name: str) -> Response:
    who = _who(hub, request, Permission.BOOKS_WRITE)
    try:
        books_connections.disconnect(hub.uow(who.tenant_id), name)
    except DomainError as exc:
        return _books(request, hub, who, str(exc))
    return _books(request, hub, who, f"{name} disconnected: its secrets and tokens deleted")


def install_login_redirect(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/dashboard/login", status_code=303)

    app.add_exception_handler(LoginNeeded, to_login)
