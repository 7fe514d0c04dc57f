"""`hub connectors list` and `hub connector new NAME`: what is installed, and a start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from connectors.registry import default_registry
from connectors.scaffold import generate
from hub.cli.common import JsonOpt, TenantOpt, emit, fail_on, hub, table, tenant_uow
from hub.services import connections as connection_service

connectors_app = typer.Typer(help="Installed connectors (entry points hub.connectors).")
connector_app = typer.Typer(help="Write a new connector.", no_args_is_help=True)
connections_app = typer.Typer(
    help="Configured connections (credentials encrypted at rest).", no_args_is_help=True
)


@connectors_app.command("list")
def list_connectors(as_json: JsonOpt = False) -> None:
    """Installed connectors, their kind, capabilities and secret settings."""
    infos, broken = default_registry.describe_all()
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

    rows += [{"name": name, "error": why} for name, why in broken.items()]

    def human() -> str:
        if not rows:
            return "no connectors installed"
        body = [
            [str(r["name"]), str(r.get("kind", "BROKEN")), ", ".join(r.get("capabilities", []))]
            for r in rows
        ]
        lines = [table(body, ["name", "kind", "capabilities"])]
        lines += [f"{name}: {why}" for name, why in broken.items()]
        return "\n".join(lines)

    emit(rows, as_json, human)


@connector_app.command("new")
def new_connector(
    name: Annotated[
        str, typer.Argument(help="Connector name (the package is hub-connector-NAME).")
    ],
    root: Annotated[Path, typer.Option(help="Project root to write into.")] = Path("."),
    package: Annotated[
        str | None,
        typer.Option(help="Dotted package (default connectors.shop_platforms|accounting.NAME)."),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="storefront, or books (an accounting connector).")
    ] = "storefront",
    as_json: JsonOpt = False,
) -> None:
    """Generate a connector package and its contract test, passing from the start."""
    with fail_on(ValueError, FileExistsError):
        made = generate(name, root, package, kind=kind)
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


@connections_app.command("add")
def add_connection(
    connector: Annotated[str, typer.Argument(help="Connector name (hub connectors list).")],
    name: Annotated[str, typer.Argument(help="Connection name.")],
    config: Annotated[
        typer.FileText,
        typer.Option(help="JSON file with the settings and secrets ('-' reads stdin)."),
    ],
    channel: Annotated[str | None, typer.Option(help="Channel this connection feeds.")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a connection. Secrets come from a file or stdin, never from the command line
    (shell history and process lists would keep them)."""
    with fail_on(json.JSONDecodeError):
        values = json.load(config)
    h = hub()
    view = connection_service.add_connection(
        tenant_uow(tenant),
        h.secret_box,
        h.connectors,
        connector=connector,
        display_name=name,
        values=values,
        channel=channel,
    )
    emit(view, as_json, lambda: f"connection #{view.id} {name!r} ({connector}) added")


@connections_app.command("list")
def list_connections(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Connections of the tenant: settings and the names of secret fields, never values."""
    views = connection_service.list_connections(tenant_uow(tenant), hub().connectors)
    rows = [
        [str(v.id), v.display_name, v.connector, v.kind, ", ".join(v.secret_fields)] for v in views
    ]
    emit(views, as_json, lambda: table(rows, ["id", "name", "connector", "kind", "secrets"]))


def register(app: typer.Typer) -> None:
    app.add_typer(connectors_app, name="connectors")
    app.add_typer(connector_app, name="connector")
    app.add_typer(connections_app, name="connections")
