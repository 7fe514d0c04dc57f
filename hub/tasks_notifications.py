"""The notifications beat entry (every HUB_NOTIFY_INTERVAL_S): thin, the service does the
work. `hub run` runs beat inside its worker, so the embedded default notifies too."""

from __future__ import annotations

from hub.bootstrap import the_hub
from hub.celery_app import app
from hub.domain.clock import utcnow
from hub.services import notifications
from hub.services.notification_senders import senders

__all__ = ["notify_tick"]


@app.task(name="hub.tasks.notify_tick", acks_late=True, ignore_result=True)
def notify_tick() -> dict[str, int]:
    """Idempotent: detection dedupes every occurrence, delivery claims before it sends."""
    h = the_hub()
    return notifications.run_every_tenant(
        h.uow, h.settings, h.secret_box, senders(h.settings), utcnow()
    )
