"""All settings in one place: environment variables HUB_*, or a .env file.

One ``Settings`` for the API, the worker and the CLI; the sync engine's part is the
nested ``Settings.sync`` section. It reads the same flat names as before
(``HUB_BROKER_URL``, ``HUB_SYNC_PULL_INTERVAL``, ...), so no deployment has to rename a
variable; per-channel overrides live in ``channel.settings["sync"]``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureConfiguration(ValueError):
    pass


class SyncSettings(BaseSettings):
    """The sync section (``Settings.sync``). A settings source of its own so its
    variables keep their flat names (``HUB_SYNC_PULL_INTERVAL``, not ``HUB_SYNC__...``)."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    # None: the embedded default, kombu's SQLAlchemy transport on a SQLite file (no server).
    # Production: redis://redis:6379/0 (or amqp://guest:guest@rabbitmq:5672//).
    broker_url: str | None = None
    broker_path: Path = Path.cwd() / "hub-broker.sqlite"
    # Seconds a task may stay unacknowledged before Redis hands it to another worker.
    broker_visibility_timeout: int = 3600
    # Re-read this much before the cursor: platforms commit updated-at a little late.
    sync_overlap_seconds: int = 300
    # The first pull of a channel starts this many days back (or settings.sync.backfill_from).
    sync_backfill_days: int = 30
    sync_pull_interval: int = 300
    sync_sweep_interval: int = 3600
    sync_sweep_window_hours: int = 48
    sync_resync_interval: int = 86400
    # Pending inbox records and undelivered outbox events older than this are re-kicked.
    sync_reap_after: int = 300
    # How often beat wakes the scheduler (channel jobs are due on their own intervals).
    sync_tick_seconds: float = 30.0
    relay_batch_size: int = 500
    # Micro-batched intake: an intake run takes up to this many pending records of one
    # channel; the first record of a burst waits this long so the burst shares the run.
    intake_batch_size: int = 200
    intake_wait_ms: int = 50
    # Relay batches per run before the channel goes to the back of the queue (fairness).
    relay_batches_per_run: int = 20
    # Longest in-process wait for a rate token (or a short Retry-After) inside a run;
    # longer waits end the run and enqueue the next one for when the budget refills.
    rate_wait_in_run: float = 1.0
    # A run's lease (a crashed run frees its channel after it) and the age after which a
    # queued run whose message never arrived is presumed lost and enqueued again.
    run_lease_seconds: int = 600
    run_lost_after: int = 120
    # Seconds a channel's opened connector is kept for verifying its webhooks (0: open
    # it per webhook). A revoked secret is still accepted this long; a rotated one never
    # refused (a refused signature is checked again with the connection as stored).
    webhook_connector_ttl: float = 10.0
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    def resolved_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.broker_path}"

    def for_channel(self, channel_settings: dict[str, Any]) -> dict[str, Any]:
        """Intervals and windows of one channel: defaults overridden by its settings."""
        base = {
            "pull_interval": self.sync_pull_interval,
            "sweep_interval": self.sync_sweep_interval,
            "sweep_window_hours": self.sync_sweep_window_hours,
            "resync_interval": self.sync_resync_interval,
            "overlap_seconds": self.sync_overlap_seconds,
            "backfill_days": self.sync_backfill_days,
            "backfill_from": None,
        }
        return {**base, **dict(channel_settings.get("sync") or {})}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    # Embedded default: a SQLite file in the working directory. PostgreSQL in production:
    # postgresql+psycopg://user@host:5432/hub
    database_url: str = f"sqlite:///{Path.cwd() / 'hub.db'}"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    lock_timeout_ms: int = 5000
    # PostgreSQL connection pool per process. A request or task holds one connection at
    # a time, so pool_size + max_overflow bounds how many run at once; the API caps its
    # request threads to that sum (docs/deploy.md, "Sizing the pool").
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: float = Field(default=30.0, gt=0)
    default_tenant: str = "default"
    log_level: str = "INFO"
    # Encrypts connection credentials at rest (a Fernet key: 32 url-safe base64 bytes).
    # Unset: derived from secret_key, so rotating secret_key needs a re-encryption.
    fernet_key: SecretStr | None = None
    # Shared rate budgets (and later the broker); unset = in-process budgets.
    redis_url: str | None = None
    # The sync engine: broker, intervals, windows, the API's address (HUB_* as listed above).
    sync: SyncSettings = Field(default_factory=SyncSettings)
    # Retention in days per growing table (0 = keep forever); see hub/services/retention.py.
    # Inbox records kept are only the superseded versions; the newest always stays.
    retention_inbox_days: int = 90
    retention_webhook_days: int = 30
    retention_push_days: int = 30
    retention_outbox_days: int = 30  # delivered events only
    retention_audit_days: int = 1095
    retention_notification_days: int = 90  # finished deliveries, then their notifications
    # Notifications (docs/notifications.md). SMTP for e-mail subscriptions: unset host =
    # e-mail deliveries fail with that reason (webhooks still go).
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "hub@localhost"
    smtp_starttls: bool = False  # STARTTLS on a plain connection (port 587)
    smtp_ssl: bool = False  # TLS from the first byte (port 465)
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    # How often beat runs the detectors and delivers what is due.
    notify_interval_s: float = Field(default=60.0, gt=0)
    # Per delivery: attempts before it is marked failed, and the backoff between them
    # (base seconds doubling per failure, capped).
    notify_max_attempts: int = Field(default=6, ge=1, le=50)
    notify_backoff_s: int = Field(default=60, ge=1)
    notify_backoff_max_s: int = Field(default=3600, ge=1)
    notify_webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Per-tenant defaults (`hub notify settings` overrides them; 0 turns a rule off).
    notify_overdue_hours: int = Field(default=48, ge=0)
    notify_error_threshold: int = Field(default=50, ge=0)
    notify_error_growth: int = Field(default=20, ge=0)
    # A lot with units on hand is announced (`lot.near_expiry` outbox event, once) when it
    # comes within this many days of its expiry date (hub/services/lot_expiry.py).
    lot_alert_days: int = Field(default=30, ge=0, le=3650)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.secret_key.get_secret_value() in (
            "",
            DEFAULT_SECRET,
        ):
            raise InsecureConfiguration(
                "HUB_SECRET_KEY is unset or the development default; "
                "set a real secret before running with HUB_ENVIRONMENT=production"
            )
        return self

    @property
    def db_connections(self) -> int:
        """The most connections one process's pool hands out at once."""
        return self.db_pool_size + self.db_max_overflow


def load_settings() -> Settings:
    return Settings()
