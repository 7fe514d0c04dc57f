"""`hub connectors list` and `hub connector new`, run as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from connectors.registry import Registry, UnknownConnector

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def run(cwd: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_connectors_list_shows_installed_connectors_and_their_capabilities(
    tmp_path: Path,
) -> None:
    listed = run(tmp_path, sys.executable, "-m", "hub", "connectors", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    by_name = {row["name"]: row for row in json.loads(listed.stdout)}
    woo = by_name["woocommerce"]
    assert woo["kind"] == "storefront"
    assert {"pull_orders", "webhooks", "push_stock"} <= set(woo["capabilities"])
    assert "consumer_secret" in woo["secret_fields"]
    human = run(tmp_path, sys.executable, "-m", "hub", "connectors", "list")
    assert "woocommerce" in human.stdout and "push_stock" in human.stdout


def test_an_unknown_connector_is_a_configuration_error_naming_the_installed_ones() -> None:
    registry = Registry()
    try:
        registry.load("shopfiy")
    except UnknownConnector as exc:
        assert "woocommerce" in str(exc) and "shopfiy" in str(exc)
    else:
        raise AssertionError("an unknown connector must be refused")


def test_a_generated_connector_is_lint_clean_and_passes_its_contract_test(
    tmp_path: Path,
) -> None:
    made = run(
        tmp_path,
        sys.executable,
        "-m",
        "hub",
        "connector",
        "new",
        "acme_shop",
        "--package",
        "acme_hub",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["entry_point"] == 'acme_shop = "acme_hub:AcmeShopConnector"'
    files = [str(tmp_path / "acme_hub"), result["test_file"]]
    # The project's rules, with the generated package counted as first-party (as it is
    # once it lives in the project).
    ruff = [
        str(VENV_BIN / "ruff"),
        *("--config", str(REPO / "pyproject.toml")),
        *("--config", "lint.isort.known-first-party = ['acme_hub', 'connectors']"),
    ]
    lint = run(REPO, ruff[0], "check", "--no-cache", *ruff[1:], *files)
    assert lint.returncode == 0, lint.stdout
    form = run(REPO, ruff[0], "format", "--check", "--no-cache", *ruff[1:], *files)
    assert form.returncode == 0, form.stdout
    contract = run(
        tmp_path,
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/contract",
        pythonpath=tmp_path,
    )
    assert contract.returncode == 0, contract.stdout[-3000:]
    assert "passed" in contract.stdout

    again = run(
        tmp_path,
        sys.executable,
        "-m",
        "hub",
        "connector",
        "new",
        "acme_shop",
        "--package",
        "acme_hub",
    )
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_generated_books_connector_is_lint_clean_and_passes_the_books_kit(
    tmp_path: Path,
) -> None:
    made = run(
        tmp_path,
        sys.executable,
        *("-m", "hub", "connector", "new", "--kind", "books", "acme_books"),
        *("--package", "acme_books", "--json"),
    )
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["entry_point"] == 'acme_books = "acme_books:AcmeBooksConnector"'
    files = [str(tmp_path / "acme_books"), result["test_file"]]
    ruff = [
        str(VENV_BIN / "ruff"),
        *("--config", str(REPO / "pyproject.toml")),
        *("--config", "lint.isort.known-first-party = ['acme_books', 'connectors']"),
    ]
    lint = run(REPO, ruff[0], "check", "--no-cache", *ruff[1:], *files)
    assert lint.returncode == 0, lint.stdout
    form = run(REPO, ruff[0], "format", "--check", "--no-cache", *ruff[1:], *files)
    assert form.returncode == 0, form.stdout
    contract = run(
        tmp_path,
        sys.executable,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", "tests/contract"),
        pythonpath=tmp_path,
    )
    assert contract.returncode == 0, contract.stdout[-3000:]
    # Every clause of the kit ran: none skipped for this HTTP books connector.
    assert "8 passed" in contract.stdout and "skipped" not in contract.stdout
    unknown = run(tmp_path, sys.executable, "-m", "hub", "connector", "new", "--kind", "x", "y")
    assert unknown.returncode == 1 and "storefront, books" in unknown.stderr


def test_connections_are_added_from_a_file_and_listed_without_their_secrets(
    tmp_path: Path,
) -> None:
    def hub(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env |= {"HUB_TENANT": "acme", "HUB_SECRET_KEY": "cli-test-key"}
        return subprocess.run(
            [sys.executable, "-m", "hub", *args],
            cwd=tmp_path,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert hub("migrate").returncode == 0
    assert hub("tenant", "create", "acme").returncode == 0
    assert hub("channel", "create", "Web", "--platform", "woocommerce").returncode == 0
    config = {
        "store_url": "https://shop.example.com",
        "consumer_key": "ck_cli_secret_1",
        "consumer_secret": "cs_cli_secret_2",
    }
    added = hub(
        "connections",
        "add",
        "woocommerce",
        "Web shop",
        "--config",
        "-",
        "--channel",
        "Web",
        "--json",
        stdin=json.dumps(config),
    )
    assert added.returncode == 0, added.stderr
    listed = hub("connections", "list", "--json")
    (row,) = json.loads(listed.stdout)
    assert (row["connector"], row["display_name"], row["kind"]) == (
        "woocommerce",
        "Web shop",
        "storefront",
    )
    assert row["channel_id"] is not None
    # stripe_secret_key: the shop's Stripe account, for its payouts (docs/accounting.md).
    assert row["secret_fields"] == [
        "consumer_key",
        "consumer_secret",
        "stripe_secret_key",
        "webhook_secret",
    ]
    everything = added.stdout + listed.stdout + hub("connections", "list").stdout
    assert "cli_secret" not in everything
    for stored in tmp_path.glob("hub.db*"):  # the database and its WAL
        assert b"cli_secret" not in stored.read_bytes()

    bad = hub(
        "connections",
        "add",
        "woocommerce",
        "Other",
        "--config",
        "-",
        stdin=json.dumps({**config, "store_url": "ftp://x", "consumer_secret": 7}),
    )
    assert bad.returncode == 1 and "store_url" in bad.stderr
