"""eBay storefront connector (Sell Fulfillment + Sell Inventory APIs)."""

from connectors.shop_platforms.ebay.connector import EbayConfig, EbayConnector

__all__ = ["EbayConfig", "EbayConnector"]
