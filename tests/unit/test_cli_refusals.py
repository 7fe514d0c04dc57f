"""Every bad number on the command line is one line on stderr naming the option, a
non-zero exit and no traceback; every command and option says what it is for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.cli import command, run


def _walk(cmd: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, f"{path} {name}")


def test_every_command_and_every_option_has_help_text() -> None:
    missing = []
    for path, cmd in _walk(command(), "hub"):
        if not (cmd.help or "").strip():
            missing.append(path)
        missing += [f"{path} {p.name}" for p in cmd.params if not (p.help or "").strip()]
    assert missing == []


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["stock", "adjust", "BER", "SKU-A", "--count", "99999999999999999999"], "--count"),
        (["stock", "adjust", "BER", "SKU-A", "--count", "1e400"], "--count"),
        (["stock", "scrap", "BER", "SKU-A", "--qty", "-99999999999"], "--qty"),
        (["warehouse", "create", "BER", "--priority", "1" + "0" * 400], "--priority"),
        (["token", "create", "--role", "admin", "--expires-days", "0"], "--expires-days"),
        (["token", "create", "--role", "admin", "--expires-days", "-3"], "--expires-days"),
        (["token", "create", "--role", "admin", "--expires-days", "1e400"], "--expires-days"),
        (["sku", "create", "X-1", "--cost", "1e400"], "cost"),
        (["sku", "create", "X-1", "--cost", "9" * 40], "cost"),
        (["sku", "create", "X-1", "--cost", "12.345", "--currency", "USD"], "cost"),
        (["sku", "create", "X-1", "--cost", "12.5", "--currency", "JPY"], "cost"),
        (["sku", "create", "X-1", "--cost", "NaN"], "cost"),
    ],
)
def test_a_bad_number_is_one_line_naming_the_option(
    args: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(args)
    err = capsys.readouterr().err
    assert status != 0
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and option in err and "Traceback" not in err


def test_a_cost_with_more_decimals_than_the_currency_names_its_minor_units(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["sku", "create", "X-1", "--cost", "1.2345", "--currency", "KWD"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: sku X-1: cost='1.2345': KWD has 3 decimal places (minor units)"
    )


def test_an_unknown_command_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stock", "nonsense"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: hub stock: No such command 'nonsense'. (see hub stock --help)"
    )
