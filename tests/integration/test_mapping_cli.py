"""`hub mapping ...` as an operator runs it: import/export, autolink, unmapped, accounts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import hub


def test_mapping_commands_end_to_end(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        done = hub(tmp_path, *args, database_url=url, tenant="acme")
        return done.returncode, done.stdout, done.stderr

    assert run("migrate")[0] == 0
    assert run("tenant", "create", "acme")[0] == 0
    assert run("channel", "create", "woo", "--platform", "woocommerce", "--currency", "EUR")[0] == 0
    for code in ("TENT", "STOVE"):
        assert run("sku", "create", code)[0] == 0

    source = tmp_path / "in.csv"
    source.write_text("channel_sku,sku\nT-1,TENT\nX-1,NOPE\n tent ,\n")
    code, out, err = run("mapping", "import", str(source), "--channel", "woo", "--json")
    report = json.loads(out)
    assert code == 1  # one row refused; the valid rows were applied
    assert report["created"] == 2
    assert report["refused"] == [{"row": 3, "reason": "unknown SKU 'NOPE'", "key": "X-1"}]

    code, out, _ = run("mapping", "unmapped", "--json")
    assert [(u["channel_sku"], u["has_listing"]) for u in json.loads(out)] == [(" tent ", True)]

    code, out, _ = run("mapping", "autolink", "--channel", "woo", "--normalise", "trim,case",
                       "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["linked"] == {" tent ": "TENT"}
    assert "nothing unmapped" in run("mapping", "unmapped")[1]

    exported = tmp_path / "out.csv"
    assert run("mapping", "export", "--channel", "woo", str(exported))[0] == 0
    assert exported.read_text().splitlines()[1:] == [" tent ,TENT,,,,", "T-1,TENT,,,,"]

    code, _, err = run("mapping", "bundle", "set", "TENT", "TENT:1")
    assert code == 1 and err.strip() == (
        "error: bundle TENT: component_sku='TENT -> TENT': "
        "cyclic bundle: a bundle cannot contain itself"
    )

    assert run("mapping", "accounting", "connect", "books", "--system", "beancount")[0] == 0
    code, _, err = run("mapping", "accounting", "set-accounts", "sales=Income:Sales",
                       "--connection", "books")  # fmt: skip
    assert code == 1
    assert err.startswith("error: accounting connection books: role shipping_income: no account")
    assert "role clearing for channel woo: no account mapped" in err
