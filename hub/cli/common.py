"""What every command shares: the hub for this process, the tenant, output and errors."""

from __future__ import annotations

import dataclasses
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import typer

from hub.bootstrap import Hub, bootstrap
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", envvar="HUB_TENANT", help="Tenant slug.")
]

_hub: Hub | None = None


def hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = bootstrap()
    return _hub


def tenant_uow(tenant: str | None) -> UnitOfWork:
    h = hub()
    return h.uow(h.tenant_id(tenant or h.settings.default_tenant))


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return "cli"


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit(value: Any, as_json: bool, human: Callable[[], str]) -> None:
    if as_json:
        typer.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=True))
    else:
        typer.echo(human())


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*map(str, r)) for r in rows]
    return "\n".join(lines)


@contextmanager
def fail_on(*errors: type[BaseException]) -> Iterator[None]:
    try:
        yield
    except errors as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def die(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)
