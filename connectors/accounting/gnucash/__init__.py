"""GnuCash books: a real GnuCash book, written and read through GnuCash's own engine."""

from connectors.accounting.gnucash.connector import GnuCashConfig, GnuCashConnector

__all__ = ["GnuCashConfig", "GnuCashConnector"]
