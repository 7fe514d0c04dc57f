"""`hub retention run [--dry-run]`: delete what the retention policy lets go."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import JsonOpt, hub

retention_app = typer.Typer(help="Retention of the growing tables (inbox, deliveries, ...).")


@retention_app.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete rows older than each table's retention (HUB_RETENTION_*_DAYS); never an
    unsent outbox event, nor an inbox record an open error or replay still needs."""
    from hub.services import retention

    h = hub()
    counts = retention.run(h.uow, h.settings, dry_run=dry_run)
    if json_out:
        import json

        typer.echo(json.dumps({"dry_run": dry_run, "rows": counts}))
        return
    verb = "would delete" if dry_run else "deleted"
    for table, rows in counts.items():
        typer.echo(f"{table}: {verb} {rows}")
