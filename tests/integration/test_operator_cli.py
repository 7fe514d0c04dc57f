"""`hub token` and `hub report` as an operator runs them, in a separate process."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from hub.db.engine import make_engine
from hub.services.tokens import Role, authenticate
from tests.integration.test_cli import hub


def test_a_token_made_on_the_command_line_authenticates_with_its_role(tmp_path: Path) -> None:
    assert hub(tmp_path, "migrate").returncode == 0
    assert hub(tmp_path, "tenant", "create", "acme", "--name", "Acme").returncode == 0
    made = hub(tmp_path, "token", "create", "--role", "finance", "--name", "books", tenant="acme")
    assert made.returncode == 0, made.stderr
    token = json.loads(
        hub(tmp_path, "token", "create", "--role", "viewer", "--json", tenant="acme").stdout
    )["token"]
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with Session(engine) as session:
        assert authenticate(session, made.stdout.strip()).role is Role.FINANCE
        assert authenticate(session, token).role is Role.VIEWER
    listed = json.loads(hub(tmp_path, "token", "list", "--json", tenant="acme").stdout)
    assert [(t["name"], t["role"]) for t in listed] == [("books", "finance"), ("viewer", "viewer")]
    assert all(token not in json.dumps(t) for t in listed)


def test_a_bad_role_is_refused_naming_the_field(tmp_path: Path) -> None:
    assert hub(tmp_path, "migrate").returncode == 0
    assert hub(tmp_path, "tenant", "create", "acme").returncode == 0
    refused = hub(tmp_path, "token", "create", "--role", "boss", tenant="acme")
    assert refused.returncode == 1
    assert "role='boss'" in refused.stderr and "viewer" in refused.stderr


def test_reports_print_as_csv(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    out = hub(tmp_path, "report", "sync-health", "--csv")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.startswith("channel,last_sync,open_errors")
    by_channel = {row.split(",")[0]: row.split(",") for row in rows}
    assert by_channel["amazon-jp"][1] == ""  # never synced
    assert by_channel["shopify-us"][1].startswith("20")  # the demo pulled from it
    assert int(by_channel["shopify-us"][5]) > 0  # and pushed stock back
