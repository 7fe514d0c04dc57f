"""`hub books ...` and `hub reconcile`: thin over the accounting and reconciliation services."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from connectors.base import AccountingConnector
from hub.cli.books import register as register_connect
from hub.cli.common import JsonOpt, TenantOpt, emit, hub, money, table, tenant_uow
from hub.cli.finance import register as register_finance
from hub.db.accounting_store import DocumentStore, PostingPolicy
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import DocumentStatus, LockPolicy, PostingPoint, SummaryMode
from hub.domain.errors import InvalidValue
from hub.services import accounting, order_books, posting
from hub.services.accounting_books import connection_id, open_books
from hub.services.reconciliation_runs import record_books, record_channel
from reconciliation import Period, reconcile, summary, to_csv, to_json

__all__ = ["books_app", "reconcile_channel_command", "reconcile_command", "register"]

books_app = typer.Typer(
    help="The books: connect, test, then generate, post and list documents.", no_args_is_help=True
)

ConnOpt = Annotated[str, typer.Option("--connection", help="Accounting connection name.")]


def _uow_factory(tenant: str | None) -> tuple[UnitOfWork, int]:
    uow = tenant_uow(tenant)
    assert uow.tenant_id is not None
    return uow, uow.tenant_id


def _connector(tenant_id: int, connection: str) -> AccountingConnector:
    h = hub()
    return open_books(
        lambda: h.uow(tenant_id),
        connection,
        h.connectors,
        lambda cid: h.open_connector(tenant_id, cid),
    )


@books_app.command("policy")
def policy(
    connection: ConnOpt,
    home: Annotated[str, typer.Option("--home", help="The books' home currency.")],
    bank: Annotated[str, typer.Option("--bank", help="Bank account payouts go to.")],
    currency: Annotated[
        list[str] | None, typer.Option("--currency", help="Other currency the books hold.")
    ] = None,
    posting_point: Annotated[
        PostingPoint,
        typer.Option(
            "--posting-point", help="When an order is invoiced: at payment or at shipment."
        ),
    ] = PostingPoint.PAYMENT,
    lock_date: Annotated[str | None, typer.Option("--lock-date", help="Closed up to.")] = None,
    lock_policy: Annotated[
        LockPolicy,
        typer.Option("--lock-policy", help="What to do with a date before the books' lock date."),
    ] = LockPolicy.SHIFT,
    summary_mode: Annotated[
        SummaryMode, typer.Option("--summary", help="One document per order, or a daily summary.")
    ] = SummaryMode.PER_ORDER,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How documents are posted to a connection (home currency, bank, locks)."""
    locked = _day("lock_date", lock_date) if lock_date else None

    def build(cid: int) -> PostingPolicy:
        return PostingPolicy(
            cid,
            home.upper(),
            bank,
            posting_point,
            tuple(c.upper() for c in currency or ()),
            locked,
            lock_policy,
            summary_mode,
        )

    accounting.set_policy(tenant_uow(tenant), connection, build)
    emit(
        {"connection": connection, "saved": True}, as_json, lambda: f"policy saved for {connection}"
    )


@books_app.command("payout")
def payout(
    channel: Annotated[str, typer.Option("--channel", help="Channel that paid out.")],
    payout_id: Annotated[str, typer.Option("--id", help="The channel's payout id.")],
    paid_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    net: Annotated[str, typer.Option("--net", help="Amount paid into the bank.")],
    currency: Annotated[str, typer.Option("--currency", help="Currency of the payout (ISO 4217).")],
    fee: Annotated[list[str] | None, typer.Option("--fee", help="DESCRIPTION=AMOUNT")] = None,
    order: Annotated[list[str] | None, typer.Option("--order", help="Order id settled")] = None,
    refund: Annotated[list[str] | None, typer.Option("--refund", help="ORDER:REFUND")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a channel payout; `hub books post` turns it into fee and payout journals."""
    fees = []
    for item in fee or []:
        description, _, amount = item.rpartition("=")
        fees.append((description or "fee", money("fee", amount, currency)))
    refunds = []
    for item in refund or []:
        order_id, sep, refund_id = item.partition(":")
        if not sep:
            raise InvalidValue("refund", item, "use ORDER:REFUND", f"payout {payout_id}")
        refunds.append((order_id, refund_id))
    accounting.record_payout(
        tenant_uow(tenant),
        channel,
        payout_id,
        _day("date", paid_on),
        money("net", net, currency),
        fees=fees,
        orders=order or [],
        refunds=refunds,
    )
    emit({"payout": payout_id}, as_json, lambda: f"payout {payout_id} recorded")


@books_app.command("post")
def post(
    connection: ConnOpt,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Post at most this many documents.")
    ] = None,
    retry_held: Annotated[bool, typer.Option("--retry-held", help="Rebuild held ones.")] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate what is due, then post everything pending, exactly once."""
    uow, tenant_id = _uow_factory(tenant)
    h = hub()
    order_books.follow_order_changes(lambda: h.uow(tenant_id))  # later changes first
    generated = accounting.generate_documents(uow, connection, retry_held=retry_held)
    report = posting.post_pending_documents(
        lambda: h.uow(tenant_id), connection, _connector(tenant_id, connection), limit=limit
    )
    result = {"generated": generated, "posting": report}

    def human() -> str:
        lines = [
            f"generated {len(generated.created)}, held at generation {len(generated.held)}",
            f"posted {len(report.posted)}, recovered {len(report.found)}, "
            f"held {len(report.held)}, to retry {len(report.retry_later)}",
        ]
        lines += [
            f"  held {key}: {reason}" for key, reason in {**generated.held, **report.held}.items()
        ]
        if report.stopped:
            lines.append(f"stopped: {report.stopped}")
        return "\n".join(lines)

    emit(result, as_json, human)


@books_app.command("follow")
def follow(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Bring the documents of every order changed since it arrived (paid, refunded,
    shipped, cancelled) in line with its current state, on every connection."""
    _, tenant_id = _uow_factory(tenant)
    h = hub()
    report = order_books.follow_order_changes(lambda: h.uow(tenant_id))
    docs = report.documents

    def human() -> str:
        lines = [
            f"{report.events} order changes on {report.orders} orders: "
            f"{len(docs.created)} documents built, {len(docs.voided)} voided in the hub, "
            f"{len(docs.held)} held"
        ]
        lines += [f"  built {key}" for key in docs.created]
        lines += [f"  voided {key}" for key in docs.voided]
        lines += [f"  held {key}: {reason}" for key, reason in docs.held.items()]
        lines += [f"  order #{o} failed (retried later): {e}" for o, e in report.failed.items()]
        return "\n".join(lines)

    emit(report, as_json, human)


@books_app.command("posting-point")
def posting_point_command(
    channel: Annotated[str, typer.Option("--channel", help="Channel name.")],
    point: Annotated[
        str,
        typer.Argument(help="payment, shipment, or default (the connection's policy)."),
    ],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """When this channel's orders are invoiced: on payment, or on dispatch."""
    choices = [p.value for p in PostingPoint] + ["default"]
    if point not in choices:
        raise InvalidValue("posting point", point, f"use one of {', '.join(choices)}", channel)
    chosen = None if point == "default" else PostingPoint(point)
    order_books.set_posting_point(tenant_uow(tenant), channel, chosen)
    said = "as the connection's posting policy says" if chosen is None else f"on {point}"
    emit(
        {"channel": channel, "posting_point": chosen},
        as_json,
        lambda: f"{channel}: orders are invoiced {said}",
    )


@books_app.command("documents")
def documents(
    connection: ConnOpt,
    status: Annotated[
        DocumentStatus | None, typer.Option("--status", help="Only documents in this status.")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="2026-11")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The hub's documents for a connection, with status and hold reasons."""
    span = Period.parse(period) if period else None
    with tenant_uow(tenant) as uow:
        assert uow.tenant_id is not None
        docs = DocumentStore(uow.session, uow.tenant_id).documents(
            connection_id(uow, connection),
            statuses=[status] if status else None,
            start=span.start if span else None,
            end=span.end if span else None,
        )
    rows = [
        [
            d.date.isoformat(),
            d.kind.value,
            d.key,
            f"{d.total.amount if d.lines else 0} {d.currency}",
            d.status.value,
            d.external_id or "",
            d.hold_reason or ",".join(d.flags),
        ]
        for d in docs
    ]
    header = ["date", "kind", "key", "total", "status", "external id", "note"]
    emit(docs, as_json, lambda: table(rows, header))


def reconcile_command(
    connection: ConnOpt,
    period: Annotated[str, typer.Option("--period", help="2026-11 or FROM..TO")],
    repair: Annotated[bool, typer.Option("--repair", help="Post what is missing.")] = False,
    output: Annotated[str, typer.Option("--format", help="text, json or csv")] = "text",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare the hub's documents of a period with the books; exit 1 unless reconciled."""
    h = hub()
    uow, tenant_id = _uow_factory(tenant)
    del uow
    span = Period.parse(period)

    with Progress(
        TextColumn("{task.description:>5}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[documents]} documents"),
        console=Console(stderr=True),
        transient=not sys.stderr.isatty(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int, documents: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, documents=0)
            bar.update(tasks[stage], completed=done, total=total, documents=documents)

        report = reconcile(
            lambda: h.uow(tenant_id),
            connection,
            _connector(tenant_id, connection),
            span,
            repair_missing=repair,
            progress=progress,
        )
    with h.uow(tenant_id) as kept:  # kept for the operator's API and dashboard
        record_books(kept.session, tenant_id, report)
        kept.commit()
    fmt = "json" if as_json else output
    if fmt == "json":
        emit(to_json(report), True, lambda: "")
    elif fmt == "csv":
        typer.echo(to_csv(report), nl=False)
    else:
        typer.echo(summary(report))
    if not report.reconciled:
        raise typer.Exit(1)


def reconcile_channel_command(
    channel: Annotated[str, typer.Option("--channel", help="Channel name.")],
    hours: Annotated[int | None, typer.Option("--hours", help="Order window.")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Orders the channel has that the hub lacks, and stock drift; exit 1 if any."""
    from reconciliation.channels import reconcile_channel

    h = hub()
    uow, tenant_id = _uow_factory(tenant)
    with uow:
        channel_id = uow.channels.by_key(channel).id
    assert channel_id is not None
    report = reconcile_channel(h.sync, tenant_id, channel_id, window_hours=hours)
    with h.uow(tenant_id) as kept:
        record_channel(kept.session, tenant_id, report)
        kept.commit()

    def human() -> str:
        verdict = "RECONCILED" if report.reconciled else "NOT RECONCILED"
        lines = [
            f"{channel}: {verdict} ({report.checked_orders} orders, "
            f"{report.checked_listings} listings checked)"
        ]
        lines += [f"  missing order {o}" for o in report.missing_orders]
        lines += [
            f"  stock {d.sku} (listing {d.listing}): channel {d.channel_shows} "
            f"({d.source}), hub {d.hub_available}"
            for d in report.drift
        ]
        return "\n".join(lines)

    emit(report, as_json, human)
    if not report.reconciled:
        raise typer.Exit(1)


def _day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(field, text, "use YYYY-MM-DD") from None


def register(app: typer.Typer) -> None:
    register_connect(books_app)
    register_finance(books_app)
    app.add_typer(books_app, name="books")
    app.command("reconcile")(reconcile_command)
    app.command("reconcile-channel")(reconcile_channel_command)
