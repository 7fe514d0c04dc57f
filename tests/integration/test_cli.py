"""The `hub` command end to end, as a separate process, as an operator would run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def hub(
    cwd: Path, *args: str, database_url: str | None = None, tenant: str = "demo"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_TENANT"] = tenant
    if database_url:
        env["HUB_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_runs_on_the_embedded_default_and_is_idempotent(tmp_path: Path) -> None:
    first = hub(tmp_path, "demo", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert (tmp_path / "hub.db").exists()  # the default is a SQLite file in the working dir
    assert result["seeded"] is True and result["ledger_ok"] is True
    stock = {(row["sku"], row["warehouse"]): row for row in result["stock"]}
    assert stock["TENT-2P", "BER"]["on_hand"] == 18  # 30 received - 12 transferred
    assert stock["TENT-2P", "BER"]["available"] == 16  # safety stock 2
    assert stock["TENT-2P", "NJ"]["on_hand"] == 12
    # Orders came in from the simulated Shopify store, were allocated, and the store was
    # told the resulting figures.
    front = result["storefront"]
    assert front["orders_pulled"] == 6
    assert {o["status"] for o in front["orders"]} == {"allocated"}
    assert stock["STOVE-MINI", "BER"]["reserved"] > 0
    assert front["platform_stock"]["STOVE-MINI"] == stock["STOVE-MINI", "BER"]["available"]
    assert front["platform_stock"]["TENT-2P"] == 16 + 12
    again = hub(tmp_path, "demo", "--json")
    assert json.loads(again.stdout)["seeded"] is False
    assert json.loads(again.stdout)["stock"] == result["stock"]


def test_errors_are_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    scrap = hub(tmp_path, "stock", "scrap", "BER", "TENT-2P", "--qty", "999")
    assert scrap.returncode == 1
    assert scrap.stderr.strip().splitlines() == [
        "error: warehouse BER sku TENT-2P: on_hand is 18, cannot take 999"
    ]
    unknown = hub(tmp_path, "stock", "adjust", "BER", "NOPE", "--count", "1")
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: unknown sku 'NOPE'")
    bad_amount = hub(tmp_path, "sku", "create", "X-1", "--cost", "12,50")
    assert bad_amount.returncode == 1
    assert "cost='12,50'" in bad_amount.stderr and "Traceback" not in bad_amount.stderr


def test_stock_commands_write_the_ledger_and_verify_catches_drift(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    moved = hub(
        tmp_path,
        "stock",
        "transfer",
        "STOVE-MINI",
        "--from",
        "BER",
        "--to",
        "NJ",
        "--qty",
        "5",
        "--json",
    )
    assert moved.returncode == 0, moved.stderr
    assert [m["kind"] for m in json.loads(moved.stdout)] == ["transfer_out", "transfer_in"]
    assert hub(tmp_path, "stock", "verify").returncode == 0
    with sqlite3.connect(tmp_path / "hub.db") as conn:
        conn.execute("UPDATE stock_levels SET on_hand = on_hand + 1 WHERE id = 1")
    drift = hub(tmp_path, "stock", "verify", "--json")
    assert drift.returncode == 1
    assert json.loads(drift.stdout)["ok"] is False
    assert len(json.loads(drift.stdout)["drifts"]) == 1


def test_a_whole_workspace_can_be_built_from_the_cli(tmp_path: Path) -> None:
    steps = [
        ["migrate"],
        ["tenant", "create", "acme"],
        ["warehouse", "create", "W1", "--country", "GB"],
        ["sku", "create", "MUG", "--cost", "3.10", "--currency", "GBP"],
        ["supplier", "create", "POTS", "--currency", "GBP"],
        [
            "po",
            "create",
            "PO-1",
            "--supplier",
            "POTS",
            "--warehouse",
            "W1",
            "--line",
            "MUG:10:3.10",
        ],
        ["po", "receive", "PO-1", "--line", "MUG:4"],
        ["stock", "adjust", "W1", "MUG", "--count", "3", "--reason", "one broke"],
    ]
    for step in steps:
        done = hub(tmp_path, *step, tenant="acme")
        assert done.returncode == 0, (step, done.stderr)
    report = json.loads(hub(tmp_path, "stock", "report", "--json", tenant="acme").stdout)
    assert [(r["sku"], r["warehouse"], r["on_hand"]) for r in report] == [("MUG", "W1", 3)]
    over = hub(tmp_path, "po", "receive", "PO-1", "--line", "MUG:7", tenant="acme")
    assert over.returncode == 1 and "only 6 of 10 still outstanding" in over.stderr


@pytest.mark.postgres
def test_demo_runs_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    done = hub(tmp_path, "demo", "--json", database_url=postgres_url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["database"].startswith("postgresql+psycopg://")
    assert result["ledger_ok"] is True
    assert not (tmp_path / "hub.db").exists()


def test_production_mode_refuses_to_start_with_the_default_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_ENVIRONMENT"] = "production"
    done = subprocess.run(
        [sys.executable, "-m", "hub", "stock", "report"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "HUB_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
