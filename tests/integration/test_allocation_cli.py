"""`hub order|channel policy|stock ats|stock reorder` as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from hub.db.engine import make_engine, make_session_factory
from hub.db.unit_of_work import UnitOfWork
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus


def hub(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_TENANT"] = "demo"
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(cwd: Path, *args: str) -> object:
    done = hub(cwd, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _add_order(
    db: Path,
    external_id: str,
    sku_code: str,
    qty: int,
    *,
    email: str | None = None,
    country: str = "US",
) -> None:
    engine = make_engine(f"sqlite:///{db}")
    with UnitOfWork(make_session_factory(engine), None) as uow:
        tenant_id = uow.tenants.by_slug("demo").id
    with UnitOfWork(make_session_factory(engine), tenant_id) as uow:
        assert tenant_id is not None
        channel = uow.channels.by_key("shopify-us")
        sku = uow.skus.by_key(sku_code)
        assert channel.id is not None
        order = Order(
            tenant_id,
            channel.id,
            external_id,
            "USD",
            datetime.now(UTC),
            status=OrderStatus.READY,
            customer_email=email,
            ship_to={"country": country},
        )
        order.add_line(
            OrderLine(
                sku_code,
                qty,
                Money.of("5", "USD"),
                sku_id=sku.id,
                external_id="L1",
                tenant_id=tenant_id,
            )
        )
        uow.orders.add(order)
        uow.commit()
    engine.dispose()


def test_an_operator_sets_a_policy_allocates_ships_and_reads_the_figures(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    view = ok(tmp_path, "channel", "policy", "warehouses", "shopify-us", "NJ", "BER")
    assert isinstance(view, dict) and view["warehouses"] == ["NJ", "BER"]
    view = ok(
        tmp_path,
        "channel",
        "policy",
        "set",
        "shopify-us",
        "--buffer",
        "2",
        "--strategy",
        "most_stock",
    )
    assert isinstance(view, dict) and view["policy"]["buffer"] == 2
    ats = ok(tmp_path, "stock", "ats", "--channel", "shopify-us")
    assert isinstance(ats, list)
    before = {row["sku"]: row for row in ats}["TENT-2P"]
    assert before["available"] == before["pooled"] - 2

    _add_order(tmp_path / "hub.db", "US-1001", "TENT-2P", 3)
    result = ok(tmp_path, "order", "allocate", "shopify-us", "US-1001")
    assert isinstance(result, dict) and result["status"] == "allocated"
    assert sum(r["quantity"] for r in result["reservations"]) == 3
    again = ok(tmp_path, "order", "allocate", "shopify-us", "US-1001")
    assert isinstance(again, dict) and again["changed"] is False
    after = {row["sku"]: row for row in ok(tmp_path, "stock", "ats", "--channel", "shopify-us")}  # type: ignore[union-attr]
    assert after["TENT-2P"]["available"] == before["available"] - 3
    shipped = ok(tmp_path, "order", "ship", "shopify-us", "US-1001", "--line", "L1=3")
    assert isinstance(shipped, dict) and shipped["status"] == "shipped"
    assert isinstance(ok(tmp_path, "stock", "reorder"), list)
    assert ok(tmp_path, "stock", "verify") is not None


def test_cli_refusals_are_one_line_naming_the_record(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    missing = hub(tmp_path, "order", "allocate", "shopify-us", "NOPE-1")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "error: unknown order 'shopify-us/NOPE-1'",
    )
    bad = hub(tmp_path, "channel", "policy", "set", "shopify-us", "--share", "2")
    assert bad.returncode == 1 and "share" in bad.stderr and "Traceback" not in bad.stderr


def test_an_operator_releases_one_review_rule_and_the_others_still_hold(tmp_path: Path) -> None:
    assert hub(tmp_path, "demo").returncode == 0
    ok(tmp_path, "order", "flag-customer", "fraud@example.com", "--reason", "chargebacks")
    _add_order(tmp_path / "hub.db", "US-7", "TENT-2P", 1, email="fraud@example.com", country="")
    held = ok(tmp_path, "order", "allocate", "shopify-us", "US-7")
    assert isinstance(held, dict) and held["status"] == "on_hold"
    assert held["reason"] == "review: flagged_customer (fraud@example.com); address_missing_country"
    wrong = hub(tmp_path, "order", "approve", "shopify-us", "US-7", "--rule", "total_unknown")
    assert wrong.returncode != 0 and "does not hold the order" in wrong.stderr
    one = ok(tmp_path, "order", "approve", "shopify-us", "US-7", "--rule", "flagged_customer")
    assert isinstance(one, dict) and one["status"] == "on_hold"
    assert one["reason"] == "review: address_missing_country" and one["reservations"] == []
    done = ok(tmp_path, "order", "approve", "shopify-us", "US-7")
    assert isinstance(done, dict) and done["status"] == "allocated"
