"""`hub mapping accounting ...`: connections, chart of accounts, tax codes, party rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, table, tenant_uow
from hub.cli.csvfiles import read_text, write_or_print
from hub.domain.errors import InvalidValue
from hub.domain.mappings import AccountRole, PartyKind
from hub.services import accounting_mapping as am
from mapping.accounting import ChartEntry, PartyEntry, TaxEntry

accounting_app = typer.Typer(help="Accounting mappings per connection.", no_args_is_help=True)

Connection = Annotated[str, typer.Option("--connection", help="Accounting connection name.")]
Codes = Annotated[str | None, typer.Option(help="Comma list of the books' codes, to check.")]


def _codes(raw: str | None) -> list[str] | None:
    return None if raw is None else [c.strip() for c in raw.split(",") if c.strip()]


def parse_assignment(raw: str) -> ChartEntry:
    """ "sales=4000" or "clearing@channel:shop-eu=1210"."""
    key, sep, code = raw.partition("=")
    role_text, _, scope = key.partition("@")
    if not sep:
        raise InvalidValue("account", raw, "write ROLE=CODE or ROLE@SCOPE=CODE")
    try:
        role = AccountRole(role_text)
    except ValueError:
        allowed = ", ".join(r.value for r in AccountRole)
        raise InvalidValue("role", role_text, f"use one of {allowed}") from None
    return ChartEntry(role, code, scope)


def _chart_text(chart: list[ChartEntry]) -> str:
    return table([[e.role.value, e.scope or "-", e.account_code] for e in chart],
                 ["role", "scope", "account"])  # fmt: skip


@accounting_app.command("connect")
def connect(
    name: Annotated[str, typer.Argument(help="Connection name (used by `hub books`).")],
    system: Annotated[
        str, typer.Option(help="an accounting connector's name (hub connector list)")
    ],
    accounts: Codes = None,
    tax_codes: Codes = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an accounting connection (credentials come with the accounting connector)."""
    settings = {k: v for k, v in (("accounts", _codes(accounts)), ("tax_codes", _codes(tax_codes)))
                if v is not None}  # fmt: skip
    c = am.create_connection(tenant_uow(tenant), name, system, settings)
    emit(c, as_json, lambda: f"created accounting connection {c.name} ({c.system})")


@accounting_app.command("set-accounts")
def set_accounts(
    assignments: Annotated[list[str], typer.Argument(help="ROLE[@SCOPE]=CODE ...")],
    connection: Connection,
    replace: Annotated[bool, typer.Option(help="Replace the whole chart.")] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set accounts; saved only if the resulting chart is complete and known to the books."""
    chart = am.set_accounts(
        tenant_uow(tenant), connection, [parse_assignment(a) for a in assignments], replace=replace
    )
    emit(chart, as_json, lambda: _chart_text(chart))


@accounting_app.command("import-chart")
def import_chart(
    file: Annotated[Path, typer.Argument(help="CSV file: role,scope,account_code.")],
    connection: Connection,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace the chart from role,scope,account_code CSV (all or nothing)."""
    chart = am.import_chart(tenant_uow(tenant), connection, read_text(file))
    emit(chart, as_json, lambda: _chart_text(chart))


@accounting_app.command("export-chart")
def export_chart(
    connection: Connection,
    file: Annotated[Path | None, typer.Argument(help="Write here instead of stdout.")] = None,
    tenant: TenantOpt = None,
) -> None:
    """Write the chart as role,scope,account_code CSV."""
    write_or_print(am.export_chart(tenant_uow(tenant), connection), file)


@accounting_app.command("set-tax")
def set_tax(
    channel_tax: Annotated[str, typer.Argument(help="The channel's tax line title, e.g. 'VAT'.")],
    tax_code: Annotated[str, typer.Argument(help="The books' tax code.")],
    connection: Connection,
    inclusive: Annotated[
        bool, typer.Option("--inclusive", help="The channel's prices include this tax.")
    ] = False,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Map a channel tax line (by title) to the books' tax code."""
    result = am.set_tax_codes(
        tenant_uow(tenant), connection, [TaxEntry(channel_tax, tax_code, inclusive, channel)]
    )
    rows = [[e.channel or "*", e.channel_tax, e.tax_code, "incl" if e.inclusive else "excl"]
            for e in result]  # fmt: skip
    emit(result, as_json, lambda: table(rows, ["channel", "channel tax", "tax code", "prices"]))


@accounting_app.command("set-rule")
def set_rule(
    kind: Annotated[PartyKind, typer.Argument(help="item, customer or vendor")],
    target: Annotated[str, typer.Argument(help="Books name or template, e.g. '{sku}'.")],
    connection: Connection,
    match: Annotated[str, typer.Option(help="SKU/channel/supplier; empty = default.")] = "",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How items, customers and vendors are named in the books."""
    result = am.set_party_rules(tenant_uow(tenant), connection, [PartyEntry(kind, target, match)])
    rows = [[e.kind.value, e.match or "(default)", e.target] for e in result]
    emit(result, as_json, lambda: table(rows, ["kind", "match", "target"]))


@accounting_app.command("show")
def show(connection: Connection, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """The connection's chart, tax codes and naming rules."""
    m = am.show_mappings(tenant_uow(tenant), connection)
    emit(m, as_json, lambda: f"{m.connection} ({m.system})\n{_chart_text(m.chart)}")
