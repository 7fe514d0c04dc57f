"""The `hub` command tree, assembled from only the sections a command needs (the root in
hub/cli/__init__.py picks them), so `hub stock report` never imports the accounting,
sync or demo code, and `hub --help` imports none of it."""

from __future__ import annotations

import typer

__all__ = ["SECTIONS", "build"]

# Top-level command -> the CLI modules that define or extend it.
SECTIONS: dict[str, frozenset[str]] = {
    "run": frozenset({"sync"}),
    "reconcile": frozenset({"accounting"}),
    "reconcile-channel": frozenset({"accounting"}),
    "report": frozenset({"operator"}),
    "demo": frozenset({"demo"}),
    "migrate": frozenset(),
    "tenant": frozenset({"catalog"}),
    "channel": frozenset({"catalog", "allocation"}),
    "warehouse": frozenset({"catalog"}),
    "sku": frozenset({"catalog"}),
    "lot": frozenset({"catalog"}),
    "supplier": frozenset({"catalog"}),
    "stock": frozenset({"stock", "allocation"}),
    "po": frozenset({"stock"}),
    "mapping": frozenset({"mapping"}),
    "retention": frozenset({"retention"}),
    "order": frozenset({"allocation"}),
    "connectors": frozenset({"connectors"}),
    "connector": frozenset({"connectors"}),
    "connections": frozenset({"connectors"}),
    "sync": frozenset({"sync"}),
    "errors": frozenset({"sync"}),
    "outbox": frozenset({"sync"}),
    "books": frozenset({"accounting"}),
    "token": frozenset({"operator"}),
    "notify": frozenset({"notify"}),
}
EVERYTHING = frozenset().union(*SECTIONS.values())


def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    from hub.cli.common import hub
    from hub.db.migrate import upgrade

    url = hub().settings.database_url
    upgrade(url)
    typer.echo("database is at the latest schema")


def build(sections: frozenset[str] = EVERYTHING) -> typer.Typer:
    app = typer.Typer(
        help="The hub: orders in, one stock level out, books that match.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    # The allocation section adds commands to the channel and stock groups.
    if sections & {"catalog", "allocation"}:
        from hub.cli.catalog import (
            channel_app,
            lot_app,
            sku_app,
            supplier_app,
            tenant_app,
            warehouse_app,
        )

        app.add_typer(tenant_app, name="tenant")
        app.add_typer(channel_app, name="channel")
        app.add_typer(warehouse_app, name="warehouse")
        app.add_typer(sku_app, name="sku")
        app.add_typer(lot_app, name="lot")
        app.add_typer(supplier_app, name="supplier")
    if sections & {"stock", "allocation"}:
        from hub.cli.stock import po_app, stock_app

        app.add_typer(stock_app, name="stock")
        app.add_typer(po_app, name="po")
        from hub.cli.replenishment import register_stock

        register_stock(stock_app, po_app)
    if "mapping" in sections:
        from hub.cli.mapping import mapping_app

        app.add_typer(mapping_app, name="mapping")
    if "retention" in sections:
        from hub.cli.retention import retention_app

        app.add_typer(retention_app, name="retention")
    if "allocation" in sections:
        from hub.cli.allocation import order_app
        from hub.cli.allocation import register as register_allocation
        from hub.cli.invoicing import register as register_invoicing

        register_allocation(app, channel_app, stock_app)
        from hub.cli.allocation import policy_app
        from hub.cli.replenishment import register_channel

        register_channel(policy_app)
        register_invoicing(order_app)
    if "connectors" in sections:
        from hub.cli.connectors import register as register_connectors

        register_connectors(app)
    if "sync" in sections:
        from hub.cli.sync import register as register_sync

        register_sync(app)
    if "accounting" in sections:
        from hub.cli.accounting import register as register_accounting

        register_accounting(app)
    if "operator" in sections:
        from hub.cli.operator import register as register_operator

        register_operator(app)
    if "notify" in sections:
        from hub.cli.notify import notify_app

        app.add_typer(notify_app, name="notify")
    if "demo" in sections:
        from hub.cli.demo import demo

        app.command("demo")(demo)
    app.command("migrate")(migrate)
    # A callback keeps it a group even with a single command (`hub migrate` alone).
    app.callback()(_group)
    return app


def _group() -> None:
    """The hub: orders in, one stock level out, books that match."""
