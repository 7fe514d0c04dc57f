"""Medusa v2 storefront connector (Admin API, secret API key)."""

from connectors.shop_platforms.medusa.connector import ORDER_FIELDS, MedusaConfig, MedusaConnector

__all__ = ["ORDER_FIELDS", "MedusaConfig", "MedusaConnector"]
