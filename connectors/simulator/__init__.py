"""A local stand-in for the storefront platforms (Shopify Admin GraphQL and WooCommerce
wc/v3 subsets the connectors use), for the demo, end-to-end tests and the push bench."""

from connectors.simulator.server import AppServer, SimulatorServer, build_app, signed_webhook
from connectors.simulator.state import LOCATION, SimState

__all__ = [
    "LOCATION",
    "AppServer",
    "SimState",
    "SimulatorServer",
    "build_app",
    "signed_webhook",
]
