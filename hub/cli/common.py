"""What every command shares: the hub for this process, the tenant, output and errors."""

from __future__ import annotations

import dataclasses
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any

import typer

from hub.bootstrap import Hub, the_hub
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import readable
from hub.domain.errors import InvalidValue
from hub.domain.money import Money, minor_units, parse_decimal

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", envvar="HUB_TENANT", help="Tenant slug.")
]


def hub() -> Hub:
    """The process's Hub (hub.bootstrap.the_hub), built on first use."""
    return the_hub()


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


def when(moment: datetime | None) -> str:
    """A timestamp as an operator reads it: UTC to the second, '-' when there is none."""
    return "-" if moment is None else readable(moment)


# A table cell longer than this is cut with an ellipsis: one 10,000-character reason
# must not push every other column off the screen (the detail commands print it whole).
MAX_CELL = 80


def shorten(text: str, width: int = MAX_CELL) -> str:
    """One line, at most ``width`` characters; an ellipsis says something was cut."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "\u2026"


def table(rows: list[list[str]], header: list[str]) -> str:
    rows = [[shorten(str(cell)) for cell in row] for row in rows]
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


# ---- numbers: one way to read them for every command ------------------------------------

# Every whole number a command takes ends in an INTEGER column (or a timedelta); beyond
# this range it would overflow there, with a traceback instead of an answer.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def bound_integers(command: Any) -> None:
    """Give every integer option and argument in the command tree that has no range of
    its own the database's range, so `--qty 99999999999999999999` is refused by the
    parser (one line naming the option) like `--qty abc` is.

    Typer keeps an option's declared range on its parameter info and builds the
    validator from it lazily; setting the range before the first parse is what
    ``typer.Option(min=..., max=...)`` would have done, for every option at once."""
    for param in getattr(command, "params", []):
        descriptor = getattr(param, "type_descriptor", None)
        info = getattr(descriptor, "parameter_info", None)
        if descriptor is None or info is None:
            continue
        if descriptor.annotation is int and info.min is None and info.max is None:
            info.min, info.max = INT_MIN, INT_MAX
            param._runtime_param = None  # rebuilt from the range on first use
    for sub in getattr(command, "commands", {}).values():
        bound_integers(sub)


def whole_number(field: str, raw: str, record: str | None = None) -> int:
    """A whole number typed inside a larger value (`SKU:QTY:COST`), same range as options."""
    text = raw.strip()
    if not text.lstrip("+-").isdigit():
        raise InvalidValue(field, raw, "not a whole number", record)
    if len(text) > 12 or not INT_MIN <= int(text) <= INT_MAX:
        raise InvalidValue(field, raw, f"outside {INT_MIN}..{INT_MAX}", record)
    return int(text)


# Decimals the operator types (rates, thresholds): at most this many digits either side.
_DECIMAL_DIGITS = 18


def decimal_number(field: str, raw: str, record: str | None = None) -> Decimal:
    value = parse_decimal(raw, field)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: parse_decimal refused NaN and infinity
    if value.adjusted() >= _DECIMAL_DIGITS or exponent < -_DECIMAL_DIGITS:
        raise InvalidValue(field, raw, f"more than {_DECIMAL_DIGITS} digits", record)
    return value


def money(field: str, raw: str, currency: str, record: str | None = None) -> Money:
    """An amount as typed: refused, never rounded, when it has more decimals than the
    currency's minor units (12.345 USD is not a price anyone meant)."""
    amount = decimal_number(field, raw, record)
    digits = minor_units(currency.upper())
    try:
        exact = amount.quantize(Decimal(1).scaleb(-digits))
    except InvalidOperation:
        raise InvalidValue(field, raw, "too large", record) from None
    if exact != amount:
        raise InvalidValue(
            field,
            raw,
            f"{currency.upper()} has {digits} decimal places (minor units)",
            record,
        )
    return Money(exact, currency.upper())


def die(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(code)
