"""Beancount books: a local ledger file, checked by Beancount, read back with beanquery."""

from connectors.accounting.beancount.connector import BeancountConfig, BeancountConnector

__all__ = ["BeancountConfig", "BeancountConnector"]
