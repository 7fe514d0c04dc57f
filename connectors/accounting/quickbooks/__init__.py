"""QuickBooks Online v3: journal entries and bills, exactly once."""

from connectors.accounting.quickbooks.connector import QuickBooksConfig, QuickBooksConnector

__all__ = ["QuickBooksConfig", "QuickBooksConnector"]
