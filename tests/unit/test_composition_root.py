"""One configuration and one composition root: the sync section is part of the one
Settings (read from the same flat HUB_* names as before), and only hub/bootstrap.py
builds the engine, the secret box and the rate budgets, for the API, worker and CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.bootstrap import Hub, the_hub, use_hub
from hub.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_sync_section_reads_the_flat_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_SYNC_PULL_INTERVAL", "17")
    monkeypatch.setenv("HUB_BROKER_URL", "redis://broker.example:6379/3")
    monkeypatch.setenv("HUB_API_PORT", "8123")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sync.sync_pull_interval == 17
    assert settings.sync.resolved_broker_url() == "redis://broker.example:6379/3"
    assert settings.sync.api_port == 8123


def test_the_process_has_one_hub_and_its_sync_context_shares_what_the_hub_built(
    tmp_path: Path,
) -> None:
    hub = Hub(Settings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"))
    use_hub(hub)
    try:
        assert the_hub() is hub and the_hub() is the_hub()
        sync = hub.sync
        assert sync is hub.sync  # built once
        assert sync.session_factory is hub.session_factory
        assert sync.connectors.budgets is hub.rate_budgets  # type: ignore[attr-defined]
        assert sync.settings is hub.settings.sync
    finally:
        use_hub(None)
        hub.close()


# What builds the process's shared parts, and the only files allowed to call it.
BUILDERS = {
    r"(?<!def )\bmake_engine\(": {"hub/bootstrap.py", "hub/db/migrations/env.py"},
    r"SecretBox\.from_settings\(": {"hub/bootstrap.py"},
    r"RedisRateBudgets\(": {"hub/bootstrap.py"},
    r"\b(?:Sync)?Settings\(\)": {"hub/config.py"},
}


def test_only_the_composition_root_builds_engines_secret_boxes_budgets_and_settings() -> None:
    found: dict[str, set[str]] = {pattern: set() for pattern in BUILDERS}
    for path in (ROOT / "hub").rglob("*.py"):
        text = path.read_text()
        for pattern in BUILDERS:
            if re.search(pattern, text):
                found[pattern].add(str(path.relative_to(ROOT)))
    assert {p: files - BUILDERS[p] for p, files in found.items()} == {p: set() for p in BUILDERS}
