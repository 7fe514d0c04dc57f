"""The `hub` command. Commands are thin: parse, call a service, print."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from hub.cli.accounting import register as register_accounting
from hub.cli.allocation import register as register_allocation
from hub.cli.catalog import channel_app, lot_app, sku_app, supplier_app, tenant_app, warehouse_app
from hub.cli.common import hub
from hub.cli.connectors import register as register_connectors
from hub.cli.demo import demo
from hub.cli.mapping import mapping_app
from hub.cli.operator import register as register_operator
from hub.cli.retention import retention_app
from hub.cli.stock import po_app, stock_app
from hub.cli.sync import register as register_sync
from hub.config import InsecureConfiguration
from hub.domain.errors import DomainError

app = typer.Typer(
    help="The hub: orders in, one stock level out, books that match.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(tenant_app, name="tenant")
app.add_typer(channel_app, name="channel")
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(sku_app, name="sku")
app.add_typer(lot_app, name="lot")
app.add_typer(supplier_app, name="supplier")
app.add_typer(stock_app, name="stock")
app.add_typer(po_app, name="po")
app.add_typer(mapping_app, name="mapping")
app.add_typer(retention_app, name="retention")
register_allocation(app, channel_app, stock_app)
register_connectors(app)
register_sync(app)
register_accounting(app)
register_operator(app)
app.command("demo")(demo)


@app.command("migrate")
def migrate() -> None:
    """Create or upgrade the database schema to the latest version."""
    from hub.db.migrate import upgrade

    url = hub().settings.database_url
    upgrade(url)
    typer.echo("database is at the latest schema")


def main() -> None:
    """Entry point: one clear line on stderr and a non-zero exit for every refusal."""
    try:
        app()
    except DomainError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (ValidationError, InsecureConfiguration) as exc:
        typer.echo(f"error: configuration: {exc}", err=True)
        sys.exit(2)
    except IntegrityError as exc:
        typer.echo(f"error: refused by a database constraint: {exc.orig}", err=True)
        sys.exit(1)
    except OperationalError as exc:
        typer.echo(
            f"error: database unavailable or schema missing (run `hub migrate`): {exc.orig}",
            err=True,
        )
        sys.exit(1)
