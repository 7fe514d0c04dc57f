"""Credentials at rest: a Fernet box (AES-128-CBC + HMAC-SHA256, timestamped tokens).

The key comes from HUB_FERNET_KEY (one key, or several comma-separated: the first
encrypts, all decrypt, so keys can be rotated) or, if unset, is derived from
HUB_SECRET_KEY with HKDF so the embedded default needs no extra setting.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.config import Settings
from hub.domain.errors import DomainError

_INFO = b"hub connection credentials v1"


class CredentialsUnreadable(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: stored credentials cannot be decrypted with the configured key "
            "(HUB_FERNET_KEY / HUB_SECRET_KEY changed?)"
        )


def derive_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("SecretBox needs at least one key")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.fernet_key is not None:
            keys = [k.strip().encode() for k in settings.fernet_key.get_secret_value().split(",")]
            return cls([k for k in keys if k])
        return cls([derive_key(settings.secret_key.get_secret_value())])

    def seal(self, values: Mapping[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(dict(values), sort_keys=True).encode()).decode()

    def open(self, token: str, what: str = "connection") -> dict[str, Any]:
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialsUnreadable(what) from None
        return opened

    def __repr__(self) -> str:
        return "SecretBox(***)"
