"""WooCommerce storefront connector (reference implementation of the connector SDK)."""

from connectors.shop_platforms.woocommerce.connector import WooCommerceConfig, WooCommerceConnector

__all__ = ["WooCommerceConfig", "WooCommerceConnector"]
