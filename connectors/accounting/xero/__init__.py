"""Xero Accounting API: invoices, credit notes, manual journals and payments."""

from connectors.accounting.xero.connector import XeroConfig, XeroConnector

__all__ = ["XeroConfig", "XeroConnector"]
