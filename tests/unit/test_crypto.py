"""Credentials at rest: Fernet with a configured or derived key, rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from hub.config import Settings
from hub.crypto import CredentialsUnreadable, SecretBox


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_derived_key_follows_the_secret_key() -> None:
    sealed = SecretBox.from_settings(settings(secret_key=SecretStr("a" * 32))).seal(
        {"k": "plain-secret"}
    )
    assert "plain-secret" not in sealed
    assert SecretBox.from_settings(settings(secret_key=SecretStr("a" * 32))).open(sealed) == {
        "k": "plain-secret"
    }
    with pytest.raises(CredentialsUnreadable):
        SecretBox.from_settings(settings(secret_key=SecretStr("b" * 32))).open(sealed)


def test_keys_rotate_new_first_old_still_readable() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_with_old = SecretBox.from_settings(settings(fernet_key=SecretStr(old))).seal({"a": 1})
    rotated = SecretBox.from_settings(settings(fernet_key=SecretStr(f"{new}, {old}")))
    assert rotated.open(sealed_with_old) == {"a": 1}
    resealed = rotated.seal({"a": 1})
    assert SecretBox.from_settings(settings(fernet_key=SecretStr(new))).open(resealed) == {"a": 1}
    assert old not in repr(rotated) and new not in repr(rotated)
