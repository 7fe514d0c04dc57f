"""Amazon Selling Partner API storefront connector (Orders v0, Listings Items)."""

from connectors.shop_platforms.amazon.connector import AmazonConfig, AmazonConnector

__all__ = ["AmazonConfig", "AmazonConnector"]
