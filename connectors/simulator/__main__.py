"""``python -m connectors.simulator [--port N] [--orders N]``: serve until interrupted."""

from __future__ import annotations

import argparse
import time

from connectors.simulator import SimState, SimulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    state = SimState()
    state.add_listings({"TENT-2P": "129.00", "STOVE-MINI": "34.90", "GAS-230": "4.50"}, stock=0)
    state.generate(args.orders)
    with SimulatorServer(state, args.port) as sim:
        print(
            f"simulator at {sim.url}: shopify token {state.shopify_token}, "
            f"woocommerce {state.woo_key}:{state.woo_secret}",
            flush=True,
        )
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
