"""Webhook signatures: base64(HMAC-SHA256(secret, raw body)), compared in constant time.

Shopify (X-Shopify-Hmac-SHA256) and WooCommerce (X-WC-Webhook-Signature) both use it.
Always verify the *raw* bytes as received: re-serialised JSON would not match."""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_hmac_sha256_base64(secret: str, body: bytes, signature: str | None) -> bool:
    if not signature or not secret:
        return False
    return hmac.compare_digest(hmac_sha256_base64(secret, body), signature.strip())
