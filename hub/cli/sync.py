"""`hub run`, `hub sync ...`, `hub errors ...`, `hub outbox relay`: thin over the services.

Without --queue the work runs here and now (and records are processed inline); with
--queue it is handed to the Celery workers.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, hub, table, when
from hub.domain.errors import NotFound
from hub.services import (
    error_queue,
    ingest,
    order_books,
    order_push,
    pull,
    relay,
    resync,
    sync_status,
)
from hub.services.dispatch import InlineDispatcher
from hub.services.sync_context import SyncContext

sync_app = typer.Typer(help="Pull orders, heal gaps, push stock.", no_args_is_help=True)
errors_app = typer.Typer(help="Records that could not be taken in.", no_args_is_help=True)
outbox_app = typer.Typer(help="Deliver pending outbox events.", no_args_is_help=True)

ChannelOpt = Annotated[str, typer.Option("--channel", help="Channel name.")]
HoursOpt = Annotated[int | None, typer.Option("--hours", help="Window (default: settings).")]
QueueOpt = Annotated[bool, typer.Option("--queue", help="Hand the job to the workers.")]


def _context() -> SyncContext:
    return hub().sync


def _ids(tenant: str | None, channel: str | None = None) -> tuple[int, int]:
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    if channel is None:
        return tenant_id, 0
    with h.uow(tenant_id) as uow:
        found = uow.channels.by_key(channel)
        assert found.id is not None
        return tenant_id, found.id


@sync_app.command("pull")
def sync_pull(
    channel: ChannelOpt, tenant: TenantOpt = None, queue: QueueOpt = False, as_json: JsonOpt = False
) -> None:
    """Pull orders changed since the channel's cursor (first run: backfill)."""
    tenant_id, channel_id = _ids(tenant, channel)
    if queue:
        from hub.tasks import pull_channel

        pull_channel.delay(tenant_id, channel_id)
        emit({"queued": "pull", "channel": channel}, as_json, lambda: f"pull of {channel} queued")
        return
    ctx = _context()
    report = pull.pull(ctx, InlineDispatcher(ctx), tenant_id, channel_id)
    emit(report.as_dict(), as_json, lambda: _pulled(report))


def _pulled(report: pull.PullReport) -> str:
    return (
        f"{report.channel}: {report.records} records in {report.pages} pages since "
        f"{report.since.isoformat()}, {report.queued} new, {report.skipped} unreadable; "
        f"cursor {report.cursor.isoformat() if report.cursor else '-'}"
    )


@sync_app.command("sweep")
def sync_sweep(
    channel: ChannelOpt, tenant: TenantOpt = None, hours: HoursOpt = None, as_json: JsonOpt = False
) -> None:
    """Re-read the recent window and take in whatever the hub never saw."""
    tenant_id, channel_id = _ids(tenant, channel)
    ctx = _context()
    report = pull.sweep(ctx, InlineDispatcher(ctx), tenant_id, channel_id, hours)
    emit(report.as_dict(), as_json, lambda: _pulled(report))


@sync_app.command("missing")
def sync_missing(
    channel: ChannelOpt, tenant: TenantOpt = None, hours: HoursOpt = None, as_json: JsonOpt = False
) -> None:
    """Orders on the channel (within the window) that the hub does not have."""
    tenant_id, channel_id = _ids(tenant, channel)
    report = pull.missing(_context(), tenant_id, channel_id, hours)

    def human() -> str:
        if not report.missing:
            return f"{report.channel}: all {report.checked} orders present"
        rows = [
            [m.external_id, m.updated_at.isoformat() if m.updated_at else "-"]
            for m in report.missing
        ]
        return table(rows, ["missing order", "updated at"])

    emit(report.as_dict(), as_json, human)


@sync_app.command("resync")
def sync_resync(channel: ChannelOpt, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Push the current stock figure of every listed SKU of the channel."""
    tenant_id, channel_id = _ids(tenant, channel)
    report = resync.resync(_context(), tenant_id, channel_id)
    emit(report.as_dict(), as_json, lambda: f"pushed {report.pushed}, failed {report.failed}")


@errors_app.command("list")
def errors_list(
    tenant: TenantOpt = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number (1 = oldest).")] = 1,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Errors per page.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Open errors, a page at a time: the record, the field and the reason (shortened;
    `hub errors show ID` prints it whole)."""
    tenant_id, _ = _ids(tenant)
    with hub().uow(tenant_id) as uow:
        found = error_queue.page_errors(
            uow.session,
            tenant_id,
            include_resolved=include_resolved,
            limit=limit,
            offset=(page - 1) * limit,
        )

    def human() -> str:
        if not found.total:
            return "no open errors" if not include_resolved else "no errors"
        rows = [
            [str(e.id), e.stage, e.record, e.field, e.reason, str(e.attempts), when(e.created_at)]
            for e in found.items
        ]
        header = ["id", "stage", "record", "field", "reason", "attempts", "since"]
        more = f" (next: --page {page + 1})" if found.last < found.total else ""
        return f"{table(rows, header)}\n{found.notice()}{more}" if rows else found.notice()

    # --json stays the list of the page's errors (scripts read it); the total is in the
    # human output and in the API's envelope.
    emit([e.as_dict() for e in found.items], as_json, human)


@errors_app.command("show")
def errors_show(
    error_id: Annotated[int, typer.Argument(help="Error id (hub errors list).")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One error whole: the record, the field and the full reason."""
    tenant_id, _ = _ids(tenant)
    with hub().uow(tenant_id) as uow:
        found = error_queue.get_error(uow.session, tenant_id, error_id)
    if found is None:
        raise NotFound("error", error_id)

    def human() -> str:
        return "\n".join(
            [
                f"error {found.id} ({found.stage}), {found.attempts} attempt(s)",
                f"record:   {found.record}",
                f"field:    {found.field or '-'}",
                f"since:    {when(found.created_at)}",
                f"resolved: {when(found.resolved_at) if found.resolved_at else 'open'}",
                "reason:",
                found.reason,
            ]
        )

    emit(found.as_dict(), as_json, human)


@sync_app.command("status")
def sync_status_command(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Per channel and stream: the last successful sync and the last error."""
    tenant_id, _ = _ids(tenant)
    with hub().uow(tenant_id) as uow:
        rows = sync_status.channel_status(uow.session, tenant_id)

    def human() -> str:
        cells = [
            [
                r["channel"],
                r["stream"] or "-",
                when(r["last_success_at"]),
                when(r["last_error_at"]),
                r["last_error"] or "",
            ]
            for r in rows
        ]
        return table(cells, ["channel", "stream", "last success", "last error at", "last error"])

    emit(rows, as_json, human)


@errors_app.command("replay")
def errors_replay(
    error_id: Annotated[int | None, typer.Argument(help="Error id.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Every open error.")] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run failed records again from their archived payload (after a fix)."""
    tenant_id, _ = _ids(tenant)
    if error_id is None and not replay_all:
        raise typer.BadParameter("give an error id or --all")
    ctx = _context()
    if replay_all:
        ids: list[int] = []
        offset = 0
        with hub().uow(tenant_id) as uow:  # every open error, not the first 10,000
            while True:
                found = error_queue.page_errors(uow.session, tenant_id, limit=1000, offset=offset)
                ids += [e.id for e in found.items if e.inbox_id]
                offset = found.last
                if not found.items or offset >= found.total:
                    break
    else:
        ids = [error_id] if error_id is not None else []
    outcomes = [ingest.replay(ctx, tenant_id, i) for i in ids]
    results = [
        {"error": i, "result": o.result, "reason": o.reason}
        for i, o in zip(ids, outcomes, strict=True)
    ]
    emit(
        results,
        as_json,
        lambda: (
            "\n".join(f"error {r['error']}: {r['result']} {r['reason']}" for r in results)
            or "nothing to replay"
        ),
    )


@outbox_app.command("relay")
def outbox_relay(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Deliver pending stock events, shipments and cancellations to the channels now, and
    let the books follow the orders that changed."""
    tenant_id, _ = _ids(tenant)
    report = relay.relay(_context(), tenant_id)
    orders = order_push.deliver(_context(), tenant_id)
    books = order_books.follow_order_changes(lambda: hub().uow(tenant_id))
    failed = report.failed + orders.failed
    emit(
        {**report.as_dict(), "orders": orders.as_dict(), "books": books},
        as_json,
        lambda: (
            f"{report.events} stock events: {report.pushed} pushed, {report.stale} stale, "
            f"{report.rejected} rejected, {report.unlisted} unlisted; "
            f"{orders.events} order events: {orders.pushed} pushed, "
            f"{orders.unsupported} not supported by the channel; "
            f"{books.events} order changes followed by the books "
            f"({len(books.documents.created)} documents built)"
            + (f"; failed: {'; '.join(failed)}" if failed else "")
        ),
    )


def run(
    host: Annotated[str | None, typer.Option(help="API host (default HUB_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="API port (default HUB_API_PORT).")] = None,
    concurrency: Annotated[int, typer.Option(help="Worker threads.")] = 2,
) -> None:
    """API + worker + scheduler in one process (no broker server needed by default)."""
    from hub.runner import run_all

    settings = hub().settings.sync
    run_all(host or settings.api_host, port or settings.api_port, concurrency)


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
    app.add_typer(errors_app, name="errors")
    app.add_typer(outbox_app, name="outbox")
    app.command("run")(run)
