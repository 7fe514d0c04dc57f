"""Reusable contract tests for connectors (needs the dev extra: pytest, responses)."""

from connectors.testing.pages import PageServer
from connectors.testing.storefront import SINCE, StorefrontContract

__all__ = ["SINCE", "PageServer", "StorefrontContract"]
