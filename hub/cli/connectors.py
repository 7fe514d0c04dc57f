"""`hub connectors list` and `hub connector new NAME`: what is installed, and a start."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from connectors.registry import default_registry
from connectors.scaffold import generate
from hub.cli.common import JsonOpt, emit, fail_on, table

connectors_app = typer.Typer(help="Installed connectors (entry points hub.connectors).")
connector_app = typer.Typer(help="Write a new connector.", no_args_is_help=True)


@connectors_app.command("list")
def list_connectors(as_json: JsonOpt = False) -> None:
    """Installed connectors, their kind, capabilities and secret settings."""
    infos = default_registry.describe_all()
    rows = [
        {
            "name": i.name,
            "kind": i.kind.value,
            "capabilities": sorted(c.value for c in i.capabilities),
            "secret_fields": sorted(i.secret_fields),
            "source": i.source,
        }
        for i in infos
    ]

    def human() -> str:
        if not rows:
            return "no connectors installed"
        body = [[str(r["name"]), str(r["kind"]), ", ".join(r["capabilities"])] for r in rows]
        return table(body, ["name", "kind", "capabilities"])

    emit(rows, as_json, human)


@connector_app.command("new")
def new_connector(
    name: str,
    root: Annotated[Path, typer.Option(help="Project root to write into.")] = Path("."),
    package: Annotated[
        str | None, typer.Option(help="Dotted package (default connectors.shop_platforms.NAME).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a storefront connector package and its contract test."""
    with fail_on(ValueError, FileExistsError):
        made = generate(name, root, package)
    result = {
        "package_dir": str(made.package_dir),
        "test_file": str(made.test_file),
        "entry_point": made.entry_point,
    }
    emit(
        result,
        as_json,
        lambda: (
            f"wrote {made.package_dir} and {made.test_file}\n"
            'register it in pyproject.toml under [project.entry-points."hub.connectors"]:\n'
            f"  {made.entry_point}\n"
            "then reinstall (pip install -e .) and run its contract test"
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(connectors_app, name="connectors")
    app.add_typer(connector_app, name="connector")
