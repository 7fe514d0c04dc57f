"""Reading and writing the CSV files operators edit."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.domain.errors import InvalidValue


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # spreadsheets often add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValue("file", str(path), f"cannot be read: {exc}") from None


def write_or_print(text: str, path: Path | None) -> None:
    if path is None:
        typer.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")
