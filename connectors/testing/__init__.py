"""Reusable contract tests for connectors (needs the dev extra: pytest, responses)."""

from connectors.testing.books import BooksContract
from connectors.testing.pages import PageServer
from connectors.testing.storefront import SINCE, StorefrontContract

__all__ = ["SINCE", "BooksContract", "PageServer", "StorefrontContract"]
