"""`hub notify list|add|remove|test|log|run|settings`: thin, over hub.services.notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, actor, emit, hub, table, tenant_uow, when

if TYPE_CHECKING:
    from hub.bootstrap import Hub
    from hub.db.unit_of_work import UnitOfWork

__all__ = ["notify_app"]

notify_app = typer.Typer(
    help="Notifications: subscriptions, the delivery log, a run now.", no_args_is_help=True
)


@notify_app.command("list")
def list_(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Subscriptions of the tenant (a webhook's URL shortened to its host; never a secret)."""
    from hub.services import notifications

    subs = notifications.list_subscriptions(tenant_uow(tenant))

    def human() -> str:
        if not subs:
            return "no subscriptions (hub notify add)"
        cells = [
            [
                s.name,
                s.channel,
                s.target,
                ",".join(s.kinds) or "all",
                "yes" if s.signed else "-",
                when(s.created_at),
            ]
            for s in subs
        ]
        return table(cells, ["name", "channel", "target", "kinds", "signed", "since"])

    emit(subs, as_json, human)


@notify_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the subscription.")],
    channel: Annotated[str, typer.Option("--channel", help="webhook or email")],
    target: Annotated[str, typer.Option("--target", help="The URL, or the e-mail address.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="stock.low, lot.near_expiry, order.overdue, totals.mismatch, errors.growing "
            "(repeat it; none: every kind).",
        ),
    ] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret",
            envvar="HUB_NOTIFY_SECRET",
            help="Webhooks: the signing secret (default: a new random one, printed once).",
        ),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe a webhook or an e-mail address to kinds of notifications."""
    from hub.domain.clock import utcnow
    from hub.services import notifications

    added = notifications.add_subscription(
        tenant_uow(tenant),
        hub().secret_box,
        name,
        channel,
        target,
        kind or [],
        secret=secret,
        actor=actor(),
        now=utcnow(),
    )

    def human() -> str:
        line = f"subscription {name} added ({added.subscription.channel})"
        if added.secret and not secret:
            line += f"\nsigning secret (shown once, keep it with the receiver): {added.secret}"
        return line

    shown = added.secret if not secret else None  # the operator's own secret is not echoed
    emit({"subscription": added.subscription, "secret": shown}, as_json, human)


@notify_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The subscription's name.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a subscription and its deliveries."""
    from hub.services import notifications

    notifications.remove_subscription(tenant_uow(tenant), name, actor=actor())
    emit({"removed": name}, as_json, lambda: f"subscription {name} removed")


def _factory(tenant: str | None) -> tuple[Hub, Callable[[], UnitOfWork]]:
    h = hub()
    tenant_id = h.tenant_id(tenant or h.settings.default_tenant)
    return h, lambda: h.uow(tenant_id)


@notify_app.command("test")
def test(
    name: Annotated[str, typer.Argument(help="The subscription's name.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a test notification to one subscription now; exit 1 unless it was taken."""
    from hub.domain.clock import utcnow
    from hub.services import notifications
    from hub.services.notification_senders import senders

    h, uow = _factory(tenant)
    entry = notifications.send_test(
        uow, h.settings, h.secret_box, senders(h.settings), name, utcnow()
    )
    emit(
        entry,
        as_json,
        lambda: f"{name}: {entry.status}" + (f" ({entry.last_error})" if entry.last_error else ""),
    )
    if entry.status != "sent":
        raise typer.Exit(1)


@notify_app.command("log")
def log(
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")
    ] = 50,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, retrying, sent or failed")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliveries newest first: status, attempts, the last error, when the next attempt is."""
    from hub.services import notifications

    entries = notifications.delivery_log(tenant_uow(tenant), limit=limit, status=status)

    def human() -> str:
        if not entries:
            return "no deliveries"
        cells = [
            [
                str(e.delivery_id),
                when(e.created_at),
                e.kind,
                e.subscription,
                e.status,
                str(e.attempts),
                when(e.sent_at) if e.sent_at else when(e.next_attempt_at),
                e.last_error or "",
                e.subject,
            ]
            for e in entries
        ]
        header = ["id", "at", "kind", "to", "status", "tries", "sent/next", "error", "subject"]
        return table(cells, header)

    emit(entries, as_json, human)


@notify_app.command("run")
def run(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Detect what is new and deliver what is due, once (beat does this every minute)."""
    from hub.domain.clock import utcnow
    from hub.services import notifications
    from hub.services.notification_senders import senders

    h, uow = _factory(tenant)
    report = notifications.run(uow, h.settings, h.secret_box, senders(h.settings), utcnow())

    def human() -> str:
        found = ", ".join(f"{k}: {v}" for k, v in sorted(report.detected.items())) or "nothing"
        d = report.delivery
        return f"new: {found}\ndelivered: {d.sent} sent, {d.retrying} to retry, {d.failed} failed"

    emit(report.as_dict(), as_json, human)


@notify_app.command("settings")
def settings(
    overdue_hours: Annotated[
        int | None,
        typer.Option(
            "--overdue-hours",
            min=0,
            max=100000,
            help="Hours before an allocated or paid order not yet shipped is overdue (0: off).",
        ),
    ] = None,
    error_threshold: Annotated[
        int | None,
        typer.Option(
            "--error-threshold",
            min=0,
            max=1000000,
            help="Open errors above which to notify (0: off).",
        ),
    ] = None,
    error_growth: Annotated[
        int | None,
        typer.Option(
            "--error-growth",
            min=0,
            max=1000000,
            help="Notify each time the error queue grew by this many (0: off).",
        ),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the tenant's thresholds, or change them."""
    from hub.services import notifications

    h = hub()
    given = {
        "overdue_hours": overdue_hours,
        "error_threshold": error_threshold,
        "error_growth": error_growth,
    }
    if any(v is not None for v in given.values()):
        now = notifications.update_thresholds(
            tenant_uow(tenant), h.settings, actor=actor(), **given
        )
    else:
        now = notifications.thresholds(tenant_uow(tenant), h.settings)
    emit(now, as_json, lambda: "\n".join(f"{k}: {v}" for k, v in now.__dict__.items()))
