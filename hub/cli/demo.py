"""`hub demo`: the main job on the embedded default, from nothing to a stock report."""

from __future__ import annotations

import typer

from hub.cli.common import JsonOpt, emit, hub, table
from hub.db.migrate import upgrade
from hub.services import inventory
from hub.services.demo import seed_demo


def demo(as_json: JsonOpt = False) -> None:
    """Migrate, seed a small demo workspace (once), print its stock and prove the ledger."""
    h = hub()
    upgrade(h.settings.database_url)
    created = seed_demo(h.uow)
    tenant_id = h.tenant_id("demo")
    lines = inventory.stock_report(h.uow(tenant_id))
    drifts = inventory.verify_ledger(h.uow(tenant_id))
    result = {
        "database": h.engine.url.render_as_string(hide_password=True),
        "seeded": created,
        "stock": lines,
        "ledger_ok": not drifts,
    }
    emit(
        result,
        as_json,
        lambda: "\n".join(
            [
                f"database: {result['database']}",
                "seeded the demo workspace" if created else "demo workspace already present",
                "",
                table(
                    [
                        [
                            ln.sku,
                            ln.warehouse,
                            ln.lot or "-",
                            str(ln.on_hand),
                            str(ln.reserved),
                            str(ln.safety_stock),
                            str(ln.available),
                        ]
                        for ln in lines
                    ],
                    ["sku", "warehouse", "lot", "on_hand", "reserved", "safety", "available"],
                ),
                "",
                "ledger ok: every balance equals the sum of its movements"
                if not drifts
                else f"LEDGER DRIFT in {len(drifts)} balances",
            ]
        ),
    )
    if drifts:
        raise typer.Exit(1)
