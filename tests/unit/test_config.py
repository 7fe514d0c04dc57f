import pytest
from pydantic import ValidationError

from hub.config import DEFAULT_SECRET, Environment, Settings


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    monkeypatch.delenv("HUB_SECRET_KEY", raising=False)
    # pydantic wraps the validator's InsecureConfiguration in a ValidationError
    with pytest.raises(ValidationError, match="HUB_SECRET_KEY is unset"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_starts_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    monkeypatch.setenv("HUB_SECRET_KEY", "s3cr3t-from-a-vault")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment is Environment.PRODUCTION
    assert "s3cr3t" not in repr(settings)


def test_development_defaults_to_an_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_ENVIRONMENT", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("hub.db")
    assert settings.secret_key.get_secret_value() == DEFAULT_SECRET


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub@db:5432/hub")
    assert Settings(_env_file=None).database_url == "postgresql+psycopg://hub@db:5432/hub"  # type: ignore[call-arg]


def test_the_lot_alert_window_is_read_from_hub_lot_alert_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HUB_LOT_ALERT_DAYS", raising=False)
    assert Settings(_env_file=None).lot_alert_days == 30  # type: ignore[call-arg]
    monkeypatch.setenv("HUB_LOT_ALERT_DAYS", "7")
    assert Settings(_env_file=None).lot_alert_days == 7  # type: ignore[call-arg]
    monkeypatch.setenv("HUB_LOT_ALERT_DAYS", "-1")
    with pytest.raises(ValidationError, match="lot_alert_days"):
        Settings(_env_file=None)  # type: ignore[call-arg]
