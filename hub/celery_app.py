"""The Celery app: four queues, late acks, no result backend.

Broker: Redis (or RabbitMQ) in a deployment, `HUB_BROKER_URL`; unset, the embedded
default is kombu's SQLAlchemy transport on a SQLite file next to the database, so
`hub run` needs no server. Every task is idempotent and the database is the truth: a
message lost with a killed worker or a broker restart is found again by the reaper
(pending inbox records, undelivered outbox events), so the broker never holds state
that cannot be rebuilt.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from hub.config import SyncSettings, load_settings

__all__ = ["QUEUES", "app", "make_celery"]

QUEUES = ("ingest", "allocation", "push", "accounting")

ROUTES = {
    "hub.tasks.process_inbox": {"queue": "ingest"},
    "hub.tasks.intake_channel": {"queue": "ingest"},
    "hub.tasks.pull_channel": {"queue": "ingest"},
    "hub.tasks.sweep_channel": {"queue": "ingest"},
    "hub.tasks.tick": {"queue": "ingest"},
    "hub.tasks.allocate_order": {"queue": "allocation"},
    "hub.tasks.relay_outbox": {"queue": "push"},
    "hub.tasks.relay_channel": {"queue": "push"},
    "hub.tasks.resync_channel": {"queue": "push"},
    "hub.tasks.post_documents": {"queue": "accounting"},
    "hub.tasks.reconcile_books": {"queue": "accounting"},
    "hub.tasks.accounting_tick": {"queue": "accounting"},
    "hub.tasks.reconcile_tick": {"queue": "accounting"},
    "hub.tasks.follow_orders": {"queue": "accounting"},
    "hub.tasks.retention_sweep": {"queue": "ingest"},
    "hub.tasks.notify_tick": {"queue": "push"},
    "hub.tasks.replenishment_sweep": {"queue": "allocation"},
}


def make_celery(
    settings: SyncSettings | None = None, notify_interval: float | None = None
) -> Celery:
    if settings is None or notify_interval is None:
        loaded = load_settings()
        settings = settings or loaded.sync
        notify_interval = loaded.notify_interval_s if notify_interval is None else notify_interval
    s = settings
    include = [
        "hub.tasks",
        "hub.tasks_accounting",
        "hub.tasks_retention",
        "hub.tasks_replenishment",
        "hub.tasks_notifications",
    ]
    celery = Celery("hub", broker=s.resolved_broker_url(), include=include)
    celery.conf.update(
        # Each queue on its own exchange and routing key. A bare Queue(name) takes the
        # default queue's exchange and key, so all four were bound to "ingest"/"ingest"
        # and every message was delivered to every queue (a relay ran on the intake
        # worker, each task up to four times).
        task_queues=[
            Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES
        ],
        task_default_queue="ingest",
        task_routes=ROUTES,
        # A task is acknowledged after it ran; a worker that dies mid-task gives it back.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        # Redis only: the SQLAlchemy transport hands its options to create_engine().
        broker_transport_options=(
            {"visibility_timeout": s.broker_visibility_timeout}
            if s.resolved_broker_url().startswith(("redis", "rediss"))
            else {}
        ),
        # One beat entry drives every channel's own intervals (see hub.services.schedule):
        # channels added later are scheduled without restarting beat.
        beat_schedule={
            "tick": {"task": "hub.tasks.tick", "schedule": s.sync_tick_seconds},
            # The books: post what is due every five minutes, reconcile once a day.
            "accounting": {"task": "hub.tasks.accounting_tick", "schedule": 300.0},
            "reconcile": {"task": "hub.tasks.reconcile_tick", "schedule": 86400.0},
            # Old inbox versions, deliveries, sent outbox events, audit (services.retention).
            "retention": {"task": "hub.tasks.retention_sweep", "schedule": 86400.0},
            # Low stock, near expiry, overdue orders, ... (services.notifications).
            "notifications": {"task": "hub.tasks.notify_tick", "schedule": notify_interval},
            # Backorders a crashed fill left, lots that expired overnight, near-expiry
            # alerts (hub.services.replenishment.sweep).
            "replenishment": {"task": "hub.tasks.replenishment_sweep", "schedule": 900.0},
        },
        beat_schedule_filename=str(s.broker_path.with_name("hub-beat-schedule")),
    )
    return celery


app = make_celery()

from hub import observability as _observability  # noqa: E402

_observability.connect_celery()  # correlation ids ride along in every task message
