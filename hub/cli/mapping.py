"""`hub mapping ...`: listings, auto-link, CSV import/export, bundles, status overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, table, tenant_uow
from hub.cli.csvfiles import read_text, write_or_print
from hub.cli.mapping_accounting import accounting_app
from hub.services import bundles, listings, orders, statuses, stock_statuses
from mapping.csv_formats import RowError, parse_components
from mapping.skus import parse_normalisations

mapping_app = typer.Typer(help="Channel <-> hub mappings.", no_args_is_help=True)
bundle_app = typer.Typer(help="Bundle SKUs (kits).", no_args_is_help=True)
status_app = typer.Typer(help="Per-channel status overrides.", no_args_is_help=True)
mapping_app.add_typer(bundle_app, name="bundle")
mapping_app.add_typer(status_app, name="status")
mapping_app.add_typer(accounting_app, name="accounting")

Channel = Annotated[str, typer.Option("--channel", help="Channel name.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Report only; save nothing.")]
OutFile = Annotated[Path | None, typer.Argument(help="Write here instead of stdout.")]
InFile = Annotated[Path, typer.Argument(help="CSV file to read.")]
StatusField = Annotated[str, typer.Argument(help="Platform field, e.g. financial_status.")]
StatusValue = Annotated[str, typer.Argument(help="The platform's value of that field.")]


def refused_lines(refused: list[RowError]) -> list[str]:
    return [f"  row {e.row}: {e.reason}" for e in refused]


def _exit_if_refused(refused: list[RowError]) -> None:
    if refused:
        raise typer.Exit(1)  # the valid rows were applied; the status says "not everything"


@mapping_app.command("import")
def import_(
    file: InFile, channel: Channel, dry_run: DryRun = False, tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Import listings CSV: valid rows are applied, refused rows reported (exit 1)."""
    r = listings.import_listings(tenant_uow(tenant), channel, read_text(file), dry_run=dry_run)
    emit(r, as_json, lambda: "\n".join([
        f"{'dry run: ' if r.dry_run else ''}{r.created} created, {r.updated} updated, "
        f"{r.unchanged} unchanged, {len(r.refused)} refused; "
        f"{len(r.healed_orders)} held order(s) released or updated",
        *refused_lines(r.refused)]))  # fmt: skip
    _exit_if_refused(r.refused)


@mapping_app.command("export")
def export(
    channel: Channel, file: OutFile = None, tenant: TenantOpt = None, as_json: JsonOpt = False
) -> None:
    """Export the channel's listings as CSV (the import format)."""
    text = listings.export_listings(tenant_uow(tenant), channel)
    if as_json:
        emit({"channel": channel, "csv": text}, True, lambda: "")
    else:
        write_or_print(text, file)


@mapping_app.command("link")
def link(
    channel_sku: Annotated[str, typer.Argument(help="The channel's SKU.")],
    sku: Annotated[str, typer.Argument(help="Internal SKU code; '-' to unlink.")],
    channel: Channel,
    product_id: Annotated[str | None, typer.Option(help="The platform's product id.")] = None,
    variant_id: Annotated[str | None, typer.Option(help="The platform's variant id.")] = None,
    inventory_item_id: Annotated[
        str | None, typer.Option(help="The platform's inventory item id (Shopify).")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link one channel SKU to an internal SKU (held orders heal at once)."""
    ids = {
        k: v
        for k, v in (("channel_product_id", product_id), ("channel_variant_id", variant_id),
                     ("channel_inventory_item_id", inventory_item_id))
        if v is not None
    }  # fmt: skip
    listing, healed = listings.link_listing(
        tenant_uow(tenant), channel, channel_sku, None if sku == "-" else sku, **ids
    )
    emit({"listing": listing, "healed_orders": healed}, as_json,
         lambda: f"linked {channel_sku} -> {sku}; healed {len(healed)} order(s)")  # fmt: skip


@mapping_app.command("autolink")
def autolink(
    channel: Channel,
    normalise: Annotated[
        str | None,
        typer.Option(help="Comma list of: trim, case (default: the channel's sku_normalise)."),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link unmapped channel SKUs to internal SKUs with the same code."""
    rules = None if normalise is None else parse_normalisations(normalise)
    r = listings.autolink(tenant_uow(tenant), channel, rules)
    emit(r, as_json, lambda: "\n".join([
        f"linked {len(r.linked)}, not linked {len(r.not_linked)}, "
        f"healed {len(r.healed_orders)} order(s)",
        *(f"  {k} -> {v}" for k, v in r.linked.items()),
        *(f"  not linked {k}: {v}" for k, v in r.not_linked.items())]))  # fmt: skip


@mapping_app.command("unmapped")
def unmapped(
    channel: Annotated[
        str | None, typer.Option("--channel", help="Only this channel (default: all).")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Channel SKUs with no internal SKU: on orders (held) and unlinked listings."""
    found = listings.unmapped_skus(tenant_uow(tenant), channel)
    rows = [[u.channel, u.channel_sku, ",".join(u.orders) or "-", "yes" if u.has_listing else "no"]
            for u in found]  # fmt: skip
    emit(found, as_json, lambda: table(rows, ["channel", "channel_sku", "orders", "listing"])
         if rows else "nothing unmapped")  # fmt: skip


@mapping_app.command("held")
def held(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Orders on hold for an unmapped SKU."""
    found = orders.held_orders(tenant_uow(tenant))
    rows = [[o.external_id, o.placed_at.isoformat(), o.status_reason or ""] for o in found]
    emit(found, as_json, lambda: table(rows, ["order", "placed_at", "reason"])
         if rows else "no order is held for a mapping")  # fmt: skip


@bundle_app.command("set")
def bundle_set(
    bundle: Annotated[str, typer.Argument(help="Bundle SKU code.")],
    components: Annotated[
        list[str] | None, typer.Argument(help="SKU:QTY ... (none: dissolve).")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Define a bundle SKU's components (cycles are refused)."""
    parts = parse_components(";".join(components)) if components else []
    bundles.set_bundle(tenant_uow(tenant), bundle, parts)
    shown = " + ".join(f"{q} x {c}" for c, q in parts) or "nothing"
    emit({"bundle": bundle, "components": parts}, as_json, lambda: f"bundle {bundle} = {shown}")


@bundle_app.command("list")
def bundle_list(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Bundles and their components."""
    found = bundles.list_bundles(tenant_uow(tenant))
    rows = [[b, " + ".join(f"{q} x {c}" for c, q in parts)] for b, parts in found.items()]
    emit(found, as_json, lambda: table(rows, ["bundle", "components"]) if rows else "no bundles")


@bundle_app.command("import")
def bundle_import(
    file: InFile, dry_run: DryRun = False, tenant: TenantOpt = None, as_json: JsonOpt = False
) -> None:
    """Import bundle_sku,component_sku,quantity rows; bad bundles are refused whole."""
    r = bundles.import_bundles(tenant_uow(tenant), read_text(file), dry_run=dry_run)
    emit(r, as_json, lambda: "\n".join([
        f"{'dry run: ' if r.dry_run else ''}{len(r.applied)} bundle(s) applied, "
        f"{len(r.refused)} row(s) refused", *refused_lines(r.refused)]))  # fmt: skip
    _exit_if_refused(r.refused)


@bundle_app.command("export")
def bundle_export(file: OutFile = None, tenant: TenantOpt = None) -> None:
    """Write the bundles as CSV (the format `bundle import` reads)."""
    write_or_print(bundles.export_bundles(tenant_uow(tenant)), file)


@status_app.command("list")
def status_list(channel: Channel, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """The channel's status rules in the order they are tried (first match wins)."""
    rules = statuses.status_rules(tenant_uow(tenant), channel)
    rows = [[r.field, r.value, r.target.value] for r in rules]
    emit(rules, as_json, lambda: table(rows, ["field", "value", "hub status"]))


@status_app.command("set")
def status_set(
    field: StatusField,
    value: StatusValue,
    target: Annotated[str, typer.Argument(help="Hub status it means.")],
    channel: Channel,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Map FIELD=VALUE to TARGET (a hub status) on this channel."""
    found = statuses.set_status_override(tenant_uow(tenant), channel, field, value, target)
    emit(found, as_json, lambda: f"{channel}: {field}={value} -> {found.target.value}")


@status_app.command("remove")
def status_remove(
    field: StatusField, value: StatusValue, channel: Channel, tenant: TenantOpt = None
) -> None:
    """Drop a channel's status override (back to the platform default)."""
    statuses.remove_status_override(tenant_uow(tenant), channel, field, value)
    typer.echo(f"{channel}: override {field}={value} removed")


@status_app.command("stock")
def status_stock(
    value: Annotated[str, typer.Argument(help="The platform's status word, e.g. on-hold.")],
    channel: Channel,
    holds_stock: Annotated[
        bool, typer.Option("--holds-stock/--no-holds-stock", help="Reserve stock in it.")
    ] = True,
    may_ship: Annotated[
        bool, typer.Option("--may-ship/--no-may-ship", help="The hub may ship it.")
    ] = False,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Say what a platform status means for stock on this channel."""
    rule = stock_statuses.set_stock_rule(
        tenant_uow(tenant), channel, value, holds_stock=holds_stock, may_ship=may_ship
    )
    emit(rule, as_json, lambda: f"{channel}: {value} holds stock={holds_stock} may ship={may_ship}")


@status_app.command("stock-list")
def status_stock_list(channel: Channel, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """The channel's stock rules: which platform statuses hold stock and which may ship."""
    rules = stock_statuses.stock_rules(tenant_uow(tenant), channel)
    rows = [[r.value, str(r.holds_stock).lower(), str(r.may_ship).lower()] for r in rules]
    emit(rules, as_json, lambda: table(rows, ["platform status", "holds stock", "may ship"]))
