"""`hub payouts pull|list|show|bank`: channel payouts with their lines, thin over
hub.services.payouts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, hub, table, tenant_uow

payouts_app = typer.Typer(
    help="Channel payouts: pull them with their lines, list, show, match the bank.",
    no_args_is_help=True,
)

ChannelOpt = Annotated[str, typer.Option("--channel", help="Channel name.")]


@payouts_app.command("pull")
def pull(
    channel: ChannelOpt,
    since: Annotated[
        str | None, typer.Option("--since", help="YYYY-MM-DD (default: the cursor)")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pull the channel's payouts with every line (sales, refunds, fees, reserves, ...)."""
    from connectors.base import ConnectorError
    from hub.services import payouts

    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    with h.uow(tenant_id) as uow:
        channel_id = uow.channels.by_key(channel).id
    assert channel_id is not None
    start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    try:
        report = payouts.pull_payouts(h.sync, tenant_id, channel_id, start)
    except ConnectorError as exc:  # no connection, refused credentials, platform down
        typer.echo(f"error: {channel}: {exc}", err=True)
        raise typer.Exit(1) from None

    def human() -> str:
        if report.skipped:
            return f"{channel}: nothing pulled: {report.skipped}"
        lines = [f"{channel}: {report.pulled} payouts read, {report.changed} new or changed"]
        lines += [f"  refused {pid}: {why}" for pid, why in report.refused.items()]
        return "\n".join(lines)

    emit(report.as_dict(), as_json, human)


@payouts_app.command("list")
def list_(
    channel: Annotated[str | None, typer.Option("--channel", help="Only this channel.")] = None,
    books: Annotated[
        str | None,
        typer.Option("--books", help="With this connection's clearing and bank status."),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Payouts pulled so far, oldest first; with --books, the payout clearing report."""
    from hub.services import payouts

    if books:
        views = payouts.payout_status(tenant_uow(tenant), books, channel)
        status = [
            {
                "channel": v.settlement.channel,
                "payout": v.settlement.external_id,
                "paid_on": v.settlement.paid_on.isoformat(),
                "net": str(v.settlement.net),
                "journal": v.document.status.value if v.document else "-",
                "clearing": "-" if v.clearing is None else str(v.clearing.amount),
                "bank": v.bank_line.booked_on.isoformat() if v.bank_line else "unmatched",
                "findings": str(len(v.findings)),
            }
            for v in views
        ]
        header = ["channel", "payout", "paid_on", "net", "journal", "clearing", "bank", "findings"]
        emit(status, as_json, lambda: table([[r[h] for h in header] for r in status], header))
        return
    found = payouts.list_payouts(tenant_uow(tenant), channel)
    rows = [
        {
            "channel": s.channel,
            "payout": s.external_id,
            "paid_on": s.paid_on.isoformat(),
            "net": str(s.net.amount),
            "currency": s.net.currency,
            "status": s.status,
            "lines": str(len(s.lines)),
        }
        for s in found
    ]
    emit(
        rows,
        as_json,
        lambda: table(
            [
                [
                    r["channel"],
                    r["payout"],
                    r["paid_on"],
                    f"{r['net']} {r['currency']}",
                    r["status"],
                    r["lines"],
                ]
                for r in rows
            ],
            ["channel", "payout", "paid on", "net", "status", "lines"],
        ),
    )


@payouts_app.command("show")
def show(
    channel: ChannelOpt,
    payout_id: Annotated[str, typer.Option("--id", help="The channel's payout id.")],
    books: Annotated[str, typer.Option("--books", help="Accounting connection name.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One payout: its lines, fees per order, its journal, clearing left, findings."""
    from hub.services import payouts

    view = payouts.show_payout(tenant_uow(tenant), channel, payout_id, books)
    data = view.as_dict()

    def human() -> str:
        out = [
            f"payout {channel}:{payout_id}  {data['paid_on']}  {data['net']} "
            f"{data['currency']}  {data['status']}",
            table(
                [
                    [ln["kind"], ln["amount"], ln["order"] or "", ln["fee_type"] or ""]
                    for ln in data["lines"]
                ],
                ["kind", "amount", "order", "fee type"],
            ),
            f"journal: {data['document']['status'] if data['document'] else 'not generated'}",
            f"clearing {data['clearing_account']}: {data['clearing']}",
        ]
        out += [f"finding: {f}" for f in data["findings"]] or ["no findings"]
        return "\n".join(out)

    emit(data, as_json, human)


@payouts_app.command("bank")
def bank(
    statement: Annotated[
        Path, typer.Argument(help="A bank statement: OFX/QFX, camt.053 (.xml) or CSV.")
    ],
    account: Annotated[
        str, typer.Option("--account", help="Bank account name (CSV statements).")
    ] = "bank",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a bank statement and match settled payouts to the lines they landed as."""
    from hub.services import payouts
    from mapping.bank_statements import parse_camt053, parse_csv, parse_ofx

    data = statement.read_bytes()
    if statement.suffix.lower() in (".ofx", ".qfx"):
        lines = parse_ofx(data)
    elif statement.suffix.lower() == ".xml":
        lines = parse_camt053(data)
    else:
        lines = parse_csv(data.decode("utf-8-sig"), account)
    result = payouts.import_bank_lines(tenant_uow(tenant), lines)

    def human() -> str:
        out = [f"{len(lines)} lines read, {result.added} new"]
        out += [f"matched {label} -> {ref}" for label, ref in result.matched]
        out += [f"unmatched {label}" for label in result.unmatched_payouts]
        return "\n".join(out)

    emit(result.__dict__, as_json, human)


def register(app: typer.Typer) -> None:
    app.add_typer(payouts_app, name="payouts")
