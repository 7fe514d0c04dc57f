"""Shopify storefront connector (Admin GraphQL API)."""

from connectors.shop_platforms.shopify.connector import (
    ShopifyConfig,
    ShopifyConnector,
    ShopifyLocation,
)

__all__ = ["ShopifyConfig", "ShopifyConnector", "ShopifyLocation"]
