"""The replenishment sweep (beat entry "replenishment"): thin, the service does the work.

A safety net: receipts fill backorders themselves, so this finds only what a crash
between a receipt and its fill left behind, plus the lots' daily upkeep (figures of
lots that expired overnight, near-expiry alerts). `hub run` runs beat in-process, so
the embedded default gets it too.
"""

from __future__ import annotations

from dataclasses import asdict

from hub.bootstrap import the_hub
from hub.celery_app import app
from hub.services import replenishment

__all__ = ["replenishment_sweep"]


@app.task(name="hub.tasks.replenishment_sweep", acks_late=True, ignore_result=True)
def replenishment_sweep() -> dict[str, int]:
    """Idempotent: filling and the upkeep only do what is still undone."""
    hub = the_hub()
    report = replenishment.sweep(hub.uow, alert_days=hub.settings.lot_alert_days)
    return asdict(report)
