"""The lazy `hub` root lists what the real command tree has, word for word, and starts
without importing the API, the ORM, the connectors or the accounting stack."""

from __future__ import annotations

import json
import subprocess
import sys

import typer.main

from hub.cli import COMMANDS
from hub.cli.app import SECTIONS, build


def test_the_listing_is_the_real_command_tree_with_its_own_help() -> None:
    tree = typer.main.get_command(build())
    real = {name: c.get_short_help_str(limit=300) for name, c in tree.commands.items()}  # type: ignore[attr-defined]
    assert real == COMMANDS
    assert set(SECTIONS) == set(real)


def test_each_command_is_built_from_its_sections_alone() -> None:
    for name, sections in SECTIONS.items():
        tree = typer.main.get_command(build(sections))
        assert name in tree.commands, name  # type: ignore[attr-defined]


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['hub', '--help']\n"
        "try:\n    runpy.run_module('hub', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    for heavy in ("sqlalchemy", "fastapi", "celery", "pydantic", "alembic", "connectors"):
        assert heavy not in loaded, heavy
    assert "Commands" in done.stdout
