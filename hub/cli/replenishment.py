"""`hub stock fill-backorders|near-expiry|upkeep`, `hub po list|show|approve|cancel|draft-
reorder` and `hub channel policy priority`: the replenishment loop and lots."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, actor, emit, hub, table, tenant_uow
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services import lot_expiry, purchase_orders, replenishment, reports
from hub.services.purchase_orders import PurchaseOrderView

__all__ = ["register_channel", "register_stock"]


def fill_backorders(
    sku: Annotated[
        list[str] | None, typer.Option(help="Only these SKU codes (repeatable).")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Offer free stock to waiting backorders now: channel priority, then oldest first."""
    uow = tenant_uow(tenant)
    ids = None
    if sku:
        with uow:
            ids = [uow.skus.by_key(code).id for code in sku]
    report = replenishment.fill_backorders(uow, ids, actor=actor())  # type: ignore[arg-type]
    emit(
        report,
        as_json,
        lambda: (
            f"{len(report.changed)} order(s) reserved more, {len(report.filled)} filled "
            f"({report.tried} offered)"
            + "".join(f"\nrefused {o}: {why}" for o, why in report.errors.items())
        ),
    )


def near_expiry(
    days: Annotated[int, typer.Option("--days", help="Lots expiring within this many days.")] = 30,
    csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lots on hand that expire within --days (and expired ones still on hand)."""
    rows = lot_expiry.near_expiry_report(tenant_uow(tenant), days)
    data = [
        {
            "sku": r.sku,
            "warehouse": r.warehouse,
            "lot": r.lot,
            "expires_on": r.expires_on.isoformat(),
            "days_left": r.days_left,
            "on_hand": r.on_hand,
            "reserved": r.reserved,
            "expired": r.expired,
        }
        for r in rows
    ]
    if csv:
        typer.echo(reports.to_csv(data), nl=False)
        return

    def human() -> str:
        if not data:
            return f"no lot on hand expires within {days} days"
        return table([[str(v) for v in d.values()] for d in data], list(data[0]))

    emit(data, as_json, human)


def upkeep(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """What the periodic sweep does, for one tenant, now: fill backorders, republish the
    figures of lots that expired, announce lots near expiry (HUB_LOT_ALERT_DAYS)."""
    fill = replenishment.fill_backorders(tenant_uow(tenant), actor=actor())
    lots = lot_expiry.lot_upkeep(tenant_uow(tenant), alert_days=hub().settings.lot_alert_days)
    result = {"filled": fill.filled, "changed": fill.changed, **vars(lots)}
    emit(
        result,
        as_json,
        lambda: (
            f"{len(fill.filled)} backordered order(s) filled; {lots.expired_lots} lot(s) "
            f"expired ({lots.figure_events} figure(s) republished); "
            f"{lots.alerts} near-expiry alert(s)"
        ),
    )


def _po_text(po: PurchaseOrderView) -> str:
    head = (
        f"purchase order {po.number}: {po.status.value}, supplier {po.supplier}, "
        f"warehouse {po.warehouse}, {po.units} unit(s)"
    )
    rows = [
        [ln.sku, str(ln.ordered), str(ln.received), str(ln.outstanding), str(ln.unit_cost.amount)]
        for ln in po.lines
    ]
    header = ["sku", "ordered", "received", "outstanding", f"unit_cost ({po.currency})"]
    return head + "\n" + table(rows, header)


def po_list(
    status: Annotated[
        PurchaseOrderStatus | None, typer.Option(help="Only purchase orders in this state.")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Purchase orders, newest first."""
    found = purchase_orders.list_purchase_orders(tenant_uow(tenant), status)
    emit(
        found,
        as_json,
        lambda: table(
            [
                [p.number, p.status.value, p.supplier, p.warehouse, str(len(p.lines)), str(p.units)]
                for p in found
            ],
            ["number", "status", "supplier", "warehouse", "lines", "units"],
        ),
    )


Number = Annotated[str, typer.Argument(help="Purchase order number.")]


def po_show(number: Number, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """One purchase order with its lines (ordered, received, outstanding)."""
    po = purchase_orders.show(tenant_uow(tenant), number)
    emit(po, as_json, lambda: _po_text(po))


def po_approve(number: Number, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """A draft becomes an open order: goods may be received against it."""
    po = purchase_orders.approve(tenant_uow(tenant), number)
    emit(po, as_json, lambda: f"purchase order {po.number}: {po.status.value}")


def po_cancel(number: Number, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Cancel a draft, or an open order nothing has been received against."""
    po = purchase_orders.cancel(tenant_uow(tenant), number)
    emit(po, as_json, lambda: f"purchase order {po.number}: {po.status.value}")


def po_draft_reorder(
    supplier: Annotated[
        str | None, typer.Option(help="Supplier for SKUs never bought before.")
    ] = None,
    sku: Annotated[list[str] | None, typer.Option(help="Only these SKU codes.")] = None,
    warehouse: Annotated[str | None, typer.Option(help="Only this warehouse.")] = None,
    window_days: Annotated[int, typer.Option(help="Sales window for velocity.")] = 30,
    cover_days: Annotated[int, typer.Option(help="Days of sales to buy for.")] = 30,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Turn the reorder report's suggestions into draft purchase orders (one per supplier
    and warehouse); approve them with `hub po approve`."""
    drafts = purchase_orders.draft_from_reorder(
        tenant_uow(tenant),
        supplier=supplier,
        skus=sku,
        warehouse=warehouse,
        window_days=window_days,
        cover_days=cover_days,
    )
    emit(
        drafts,
        as_json,
        lambda: "\n\n".join(_po_text(p) for p in drafts) or "nothing to reorder",
    )


def priority(
    channel: Annotated[str, typer.Argument(help="Channel name.")],
    value: Annotated[int | None, typer.Argument(help="New priority (omit to show).")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Backorder priority: when stock arrives, higher-priority channels' backorders are
    filled first (then the oldest order). Every channel starts at 0."""
    if value is None:
        current = replenishment.backorder_priority(tenant_uow(tenant), channel)
    else:
        current = replenishment.set_backorder_priority(tenant_uow(tenant), channel, value)
    emit(
        {"channel": channel, "backorder_priority": current},
        as_json,
        lambda: f"channel {channel}: backorder priority {current}",
    )


def register_stock(stock_app: typer.Typer, po_app: typer.Typer) -> None:
    stock_app.command("fill-backorders")(fill_backorders)
    stock_app.command("near-expiry")(near_expiry)
    stock_app.command("upkeep")(upkeep)
    po_app.command("list")(po_list)
    po_app.command("show")(po_show)
    po_app.command("approve")(po_approve)
    po_app.command("cancel")(po_cancel)
    po_app.command("draft-reorder")(po_draft_reorder)


def register_channel(policy_app: typer.Typer) -> None:
    policy_app.command("priority")(priority)
