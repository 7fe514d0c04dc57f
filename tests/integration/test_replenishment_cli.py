"""`hub po ...`, `hub stock fill-backorders|near-expiry|upkeep` and `hub channel policy
priority` as an operator runs them on the embedded default."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_allocation_cli import _add_order, hub, ok


def test_a_reorder_suggestion_becomes_a_draft_po_that_is_approved_and_received(
    tmp_path: Path,
) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    ok(tmp_path, "stock", "safety", "BER", "TENT-2P", "--qty", "2", "--reorder-point", "100")
    (draft,) = ok(tmp_path, "po", "draft-reorder", "--sku", "TENT-2P")  # type: ignore[misc]
    assert draft["status"] == "draft" and draft["supplier"] == "ALPS"
    (line,) = draft["lines"]
    assert line["sku"] == "TENT-2P" and line["ordered"] > 0
    assert line["unit_cost"] == {"amount": "84.50", "currency": "EUR"}  # ALPS's last price
    # the draft counts as on order: the same suggestion is not drafted twice
    assert ok(tmp_path, "po", "draft-reorder", "--sku", "TENT-2P") == []
    listed = ok(tmp_path, "po", "list", "--status", "draft")
    assert [p["number"] for p in listed] == [draft["number"]]  # type: ignore[union-attr]

    refused = hub(tmp_path, "po", "receive", draft["number"], "--line", "TENT-2P:1")
    assert refused.returncode == 1 and draft["number"] in refused.stderr
    assert ok(tmp_path, "po", "approve", draft["number"])["status"] == "open"  # type: ignore[index]
    ok(tmp_path, "po", "receive", draft["number"], "--line", "TENT-2P:1")
    shown = ok(tmp_path, "po", "show", draft["number"])
    assert shown["status"] == "partially_received"  # type: ignore[index]
    late = hub(tmp_path, "po", "cancel", draft["number"])
    assert late.returncode == 1 and "Traceback" not in late.stderr
    no_supplier = hub(tmp_path, "po", "draft-reorder", "--supplier", "NOPE")
    assert no_supplier.returncode == 1 and "NOPE" in no_supplier.stderr


def test_fill_backorders_near_expiry_upkeep_and_priority_from_the_cli(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    priority = ok(tmp_path, "channel", "policy", "priority", "shopify-us", "5")
    assert priority == {"channel": "shopify-us", "backorder_priority": 5}
    ok(tmp_path, "channel", "policy", "set", "shopify-us", "--shortfall", "backorder_all")
    _add_order(tmp_path / "hub.db", "US-2001", "STOVE-MINI", 500)
    held = ok(tmp_path, "order", "allocate", "shopify-us", "US-2001")
    assert held["status"] == "backordered"  # type: ignore[index]
    report = ok(tmp_path, "stock", "fill-backorders")
    assert report["filled"] == [] and report["tried"] == 1  # type: ignore[index]

    csv = hub(tmp_path, "stock", "near-expiry", "--days", "500", "--csv")
    assert csv.returncode == 0
    header, row = csv.stdout.splitlines()
    assert header == "sku,warehouse,lot,expires_on,days_left,on_hand,reserved,expired"
    assert row.startswith("GAS-230,BER,L2611,")
    assert ok(tmp_path, "stock", "near-expiry", "--days", "30") == []
    upkeep = ok(tmp_path, "stock", "upkeep")
    assert upkeep["alerts"] == 0  # type: ignore[index]
    assert ok(tmp_path, "stock", "verify") is not None
