"""All settings in one place: environment variables HUB_*, or a .env file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureConfiguration(ValueError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    # Embedded default: a SQLite file in the working directory. PostgreSQL in production:
    # postgresql+psycopg://user@host:5432/hub
    database_url: str = f"sqlite:///{Path.cwd() / 'hub.db'}"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    lock_timeout_ms: int = 5000
    default_tenant: str = "default"
    log_level: str = "INFO"
    # Encrypts connection credentials at rest (a Fernet key: 32 url-safe base64 bytes).
    # Unset: derived from secret_key, so rotating secret_key needs a re-encryption.
    fernet_key: SecretStr | None = None
    # Shared rate budgets (and later the broker); unset = in-process budgets.
    redis_url: str | None = None
    # Retention in days per growing table (0 = keep forever); see hub/services/retention.py.
    # Inbox records kept are only the superseded versions; the newest always stays.
    retention_inbox_days: int = 90
    retention_webhook_days: int = 30
    retention_push_days: int = 30
    retention_outbox_days: int = 30  # delivered events only
    retention_audit_days: int = 1095

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


def load_settings() -> Settings:
    return Settings()
