"""The daily retention sweep (beat entry "retention"): thin, the service does the work."""

from __future__ import annotations

from hub.bootstrap import bootstrap
from hub.celery_app import app
from hub.services import retention

__all__ = ["retention_sweep"]


@app.task(name="hub.tasks.retention_sweep", acks_late=True, ignore_result=True)
def retention_sweep() -> dict[str, int]:
    """Idempotent: a sweep killed halfway has committed whole batches; the next one goes on."""
    hub = bootstrap()
    return retention.run(hub.uow, hub.settings)
