"""`hub token create` (API tokens per tenant and role) and `hub report` (operator reports)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, hub, table, when
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.services import reports, tokens

__all__ = ["register"]

token_app = typer.Typer(help="API tokens for the REST API and the dashboard.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="admin, operations, finance or viewer")],
    name: Annotated[str, typer.Option("--name", help="Who holds it (shown in the audit).")] = "",
    expires_days: Annotated[
        int | None,
        typer.Option(
            "--expires-days",
            min=1,
            max=36500,
            help="Days until the token stops working (1 or more); default: never.",
        ),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mint a token; it is printed once and stored only as a hash."""
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    with h.uow(tenant_id) as uow:
        value = tokens.create_token(
            uow.session,
            tenant_id,
            name or role,
            role,
            expires_in=timedelta(days=expires_days) if expires_days is not None else None,
        )
        uow.commit()
    emit({"token": value, "role": role, "name": name or role}, as_json, lambda: value)


@token_app.command("list")
def token_list(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Tokens of the tenant: id, name, role, dates (never the token)."""
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    with h.uow(tenant_id) as uow:
        rows = tokens.list_tokens(uow.session, tenant_id)

    def human() -> str:
        cells = [
            [
                str(r["id"]),
                r["name"],
                r["role"],
                when(r["expires_at"]),
                r["state"],
            ]
            for r in rows
        ]
        return table(cells, ["id", "name", "role", "expires", "state"])

    emit(rows, as_json, human)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (hub token list).")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refuse the token from now on (401 on its next request)."""
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    with h.uow(tenant_id) as uow:
        tokens.revoke_token(uow.session, tenant_id, token_id)
        uow.commit()
    emit({"revoked": token_id}, as_json, lambda: f"token {token_id} revoked")


FINANCE = ("ar-aging", "ap-aging", "payout-clearing")  # hub.services.finance_reports


def report(
    name: Annotated[str, typer.Argument(help=", ".join([*reports.REPORTS, *FINANCE]))],
    days: Annotated[int, typer.Option("--days", help="Window in days.")] = 30,
    at: Annotated[
        str | None,
        typer.Option("--at", help="valuation: as of the end of this day (YYYY-MM-DD)."),
    ] = None,
    books: Annotated[
        str | None,
        typer.Option("--books", help="Books connection: ar-aging, ap-aging, payout-clearing."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="YYYY-MM-DD (finance reports; default today)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="YYYY-MM-DD: payout-clearing from this day (default all)."),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Inventory turnover, ABC, stale stock, fill rate, cycle time, accuracy, sync health;
    inventory valuation at a date (`valuation --at 2026-11-30`); AR and AP aging and payout
    clearing against a books connection."""
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    if name in FINANCE:
        rows = _finance(name, h.uow(tenant_id), books, as_of, since)
        window = f"as of {as_of or 'today'}"
    else:
        with h.uow(tenant_id) as uow:
            rows = reports.run_report(
                uow.session, tenant_id, name, days, at=_day("at", at) if at else None
            )
        window = f"as of {at or 'today'}" if name == "valuation" else f"in the last {days} days"
    if csv:
        typer.echo(reports.to_csv(rows), nl=False)
        return

    def human() -> str:
        if not rows:
            return f"{name}: nothing {window}"
        return table([[str(v) for v in r.values()] for r in rows], list(rows[0]))

    emit(rows, as_json, human)


def _day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, "use YYYY-MM-DD", "report") from None


def _finance(
    name: str, uow: Any, books: str | None, as_of: str | None, since: str | None
) -> list[reports.Row]:
    from hub.services import finance_reports

    if not books:
        typer.echo(f"error: {name} needs --books <connection>", err=True)
        raise typer.Exit(2)
    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().date()
        first = date.fromisoformat(since) if since else None
    except ValueError as exc:
        typer.echo(f"error: --as-of / --since: {exc}", err=True)
        raise typer.Exit(2) from None
    query = finance_reports.FinanceQuery(books, day, first)
    return finance_reports.run_finance_report(uow, name, query)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
    app.command("report")(report)
