"""The `hub` command. Commands are thin: parse, call a service, print.

The root group is lazy: `hub --help` lists the commands from a table of one-line helps
(HELP, checked against the commands themselves by tests/unit/test_cli_lazy.py) and a
command imports only its own section (hub/cli/app.py): start-up was 1.7-2.0 s and
126 MB when every command imported the API, the connectors and the accounting stack
(bench/cli_startup.py measures it)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

__all__ = ["HELP", "command", "main", "root", "run"]

HELP = "The hub: orders in, one stock level out, books that match."

# Top-level command -> its one-line help, in the order `hub --help` lists them.
COMMANDS: dict[str, str] = {
    "run": "API + worker + scheduler in one process (no broker server needed by default).",
    "reconcile": (
        "Compare the hub's documents of a period with the books; exit 1 unless reconciled."
    ),
    "reconcile-channel": (
        "Orders the channel has that the hub lacks, and stock drift; exit 1 if any."
    ),
    "report": (
        "Inventory turnover, ABC, stale stock, fill rate, cycle time, accuracy, sync health;"
        " inventory valuation at a date (`valuation --at 2026-11-30`); AR and AP aging and"
        " payout clearing against a books connection."
    ),
    "demo": (
        "Migrate, seed a small demo workspace (once), pull orders from a simulated "
        "Shopify store, allocate them, push stock back, print the stock and prove the "
        "ledger."
    ),
    "migrate": "Create or upgrade the database schema to the latest version.",
    "tenant": "Tenants (workspaces).",
    "channel": "Channels (connected storefronts).",
    "warehouse": "Warehouses.",
    "sku": "SKUs.",
    "lot": "Lots of lot-tracked SKUs.",
    "supplier": "Suppliers.",
    "stock": "Stock levels, movements and the ledger check.",
    "po": "Purchase orders and receipts.",
    "mapping": "Channel <-> hub mappings.",
    "retention": "Retention of the growing tables (inbox, deliveries, ...).",
    "order": "Allocate, ship, cancel and return orders.",
    "connectors": "Installed connectors (entry points hub.connectors).",
    "connector": "Write a new connector.",
    "connections": "Configured connections (credentials encrypted at rest).",
    "sync": "Pull orders, heal gaps, push stock.",
    "errors": "Records that could not be taken in.",
    "outbox": "Deliver pending outbox events.",
    "books": "The books: connect, test, then generate, post and list documents.",
    "token": "API tokens for the REST API and the dashboard.",
    "payouts": "Channel payouts: pull them with their lines, list, show, match the bank.",
    "notify": "Notifications: subscriptions, the delivery log, a run now.",
}


class LazyRoot(TyperGroup):
    """Typer's own group (it carries its own click), listing from COMMANDS and building
    only the section of the command asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        import typer.main

        from hub.cli.app import SECTIONS, build
        from hub.cli.common import bound_integers

        group = typer.main.get_command(build(SECTIONS[cmd_name]))
        assert isinstance(group, TyperGroup)
        found = group.get_command(ctx, cmd_name)
        if found is not None:
            bound_integers(found)  # every integer option within the database's range
        return found

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # The table, not get_command: listing must not import every section.
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


# Plain help (no rich markup): rich alone costs more than the whole listing.
root = LazyRoot(name="hub", help=HELP, no_args_is_help=True, rich_markup_mode=None)


def command() -> Any:
    """The whole click tree (every section), every integer bounded
    (hub.cli.common.bound_integers): for walking the tree, not for running one command."""
    import typer.main

    from hub.cli.app import build
    from hub.cli.common import bound_integers

    tree = typer.main.get_command(build())
    bound_integers(tree)
    return tree


def run(args: Sequence[str] | None = None) -> int:
    """Run one command line; the exit status. Every refusal, the parser's included, is
    one clear line on stderr (no usage box, no traceback)."""
    from typer._click import exceptions as click_errors

    try:
        result = root.main(args=args, prog_name="hub", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click_errors.NoArgsIsHelpError as exc:
        if exc.format_message():  # rich already printed the help while building it
            typer.echo(exc.format_message())
        return 0
    except click_errors.ClickException as exc:
        where = getattr(getattr(exc, "ctx", None), "command_path", "hub")
        typer.echo(f"error: {where}: {exc.format_message()} (see {where} --help)", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except Exception as exc:
        message, code = _refusal(exc)
        if message is None:
            raise
        typer.echo(message, err=True)
        return code


def main() -> None:
    """Entry point of the `hub` script."""
    sys.exit(run())


def _refusal(exc: Exception) -> tuple[str | None, int]:
    # Imported here: by the time one of these is raised its library is loaded anyway.
    from pydantic import ValidationError
    from sqlalchemy.exc import IntegrityError, OperationalError

    from hub.config import InsecureConfiguration
    from hub.domain.errors import DomainError

    orig: Any = getattr(exc, "orig", None)
    if isinstance(exc, DomainError):
        return f"error: {exc}", 1
    if isinstance(exc, ValidationError | InsecureConfiguration):
        return f"error: configuration: {exc}", 2
    if isinstance(exc, IntegrityError):
        return f"error: refused by a database constraint: {orig}", 1
    if isinstance(exc, OperationalError):
        return f"error: database unavailable or schema missing (run `hub migrate`): {orig}", 1
    return None, 0
