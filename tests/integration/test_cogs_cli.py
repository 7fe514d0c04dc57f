"""`hub po receive --landed` and `hub report valuation --at` as an operator runs them."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.integration.test_cli import hub


def test_landed_cost_on_receiving_moves_the_valuation(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    today = date.today().isoformat()
    before = json.loads(hub(tmp_path, "report", "valuation", "--at", today, "--json").stdout)
    stove = next(r for r in before if r["sku"] == "STOVE-MINI")
    assert stove["unit_cost"] == "19.900000" and stove["currency"] == "EUR"
    made = hub(tmp_path, "po", "create", "PO-7", "--supplier", "ALPS", "--warehouse", "BER",
               "--line", "STOVE-MINI:10:20.90")  # fmt: skip
    assert made.returncode == 0, made.stderr
    got = hub(tmp_path, "po", "receive", "PO-7", "--line", "STOVE-MINI:10",
              "--landed", "freight:15.00", "--landed", "duty:5.00")  # fmt: skip
    assert got.returncode == 0, got.stderr
    after = json.loads(hub(tmp_path, "report", "valuation", "--json").stdout)
    stove_after = next(r for r in after if r["sku"] == "STOVE-MINI")
    added = Decimal(stove_after["value"]) - Decimal(stove["value"])
    assert added == Decimal("229.00")  # 10 x 20.90 + 20.00 landed
    total = next(r for r in after if r["sku"] == "TOTAL" and r["currency"] == "EUR")
    skus = [r for r in after if r["sku"] != "TOTAL" and r["currency"] == "EUR"]
    assert Decimal(total["value"]) == sum(Decimal(r["value"]) for r in skus)
    csv = hub(tmp_path, "report", "valuation", "--csv")
    assert csv.stdout.startswith("sku,on_hand,valued_quantity,unit_cost,value,currency,missing")


def test_a_bad_date_or_landed_amount_is_refused_naming_the_field(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    bad = hub(tmp_path, "report", "valuation", "--at", "last-tuesday")
    assert bad.returncode == 1 and "at" in bad.stderr and "YYYY-MM-DD" in bad.stderr
    made = hub(tmp_path, "po", "create", "PO-8", "--supplier", "ALPS", "--warehouse", "BER",
               "--line", "STOVE-MINI:1:20.90")  # fmt: skip
    assert made.returncode == 0, made.stderr
    refused = hub(tmp_path, "po", "receive", "PO-8", "--line", "STOVE-MINI:1",
                  "--landed", "freight:1.234")  # fmt: skip
    assert refused.returncode == 1 and "landed[1].amount" in refused.stderr
