"""Bundles and kits: one sellable thing made of several SKUs.

Two kinds of owner: an internal bundle SKU (a kit with its own code, which listings link
to like any SKU) and a single channel listing (e.g. an Amazon "pack of 3" that has no SKU
of its own). Components are SKUs, which may themselves be bundle SKUs; definitions are
flattened to leaf SKUs with multiplied quantities. Cycles (A contains B contains A) are
refused when a definition is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from hub.domain.errors import InvalidValue

__all__ = ["BundleKey", "Components", "expand_line", "find_cycle", "flatten"]

# ("sku", bundle sku id) or ("listing", listing id)
BundleKey = tuple[Literal["sku", "listing"], int]
# [(component sku id, quantity per one bundle)]
Components = list[tuple[int, int]]


def find_cycle(
    sku_bundles: Mapping[int, Sequence[tuple[int, int]]], start: int
) -> list[int] | None:
    """A path of SKU ids from `start` back to itself through bundle components, or None."""

    def walk(node: int, trail: list[int]) -> list[int] | None:
        for component, _qty in sku_bundles.get(node, ()):
            if component == start:
                return [*trail, component]
            if component in trail:
                continue  # a cycle not through `start`: reported when its own SKU is saved
            found = walk(component, [*trail, component])
            if found:
                return found
        return None

    return walk(start, [start])


def flatten(
    sku_bundles: Mapping[int, Sequence[tuple[int, int]]],
    components: Sequence[tuple[int, int]],
    _seen: tuple[int, ...] = (),
) -> Components:
    """Expand nested bundle SKUs to leaf SKUs, multiplying quantities; sorted by SKU id."""
    totals: dict[int, int] = {}
    for sku_id, qty in components:
        if sku_id in _seen:
            raise InvalidValue("component", sku_id, "bundle contains itself", record="bundle")
        if sku_id in sku_bundles:
            for leaf, leaf_qty in flatten(sku_bundles, sku_bundles[sku_id], (*_seen, sku_id)):
                totals[leaf] = totals.get(leaf, 0) + qty * leaf_qty
        else:
            totals[sku_id] = totals.get(sku_id, 0) + qty
    return sorted(totals.items())


def expand_line(
    definitions: Mapping[BundleKey, Components],
    *,
    sku_id: int | None,
    listing_id: int | None,
    quantity: int,
) -> Components:
    """What an order line needs from stock: [(sku id, units)]. A bundle listing, else a
    bundle SKU, expands to its leaf components; a plain SKU needs itself; an unmapped line
    (neither) needs nothing and must stay held."""
    if listing_id is not None and ("listing", listing_id) in definitions:
        parts = definitions[("listing", listing_id)]  # channel-specific: the most precise
    elif sku_id is not None and ("sku", sku_id) in definitions:
        parts = definitions[("sku", sku_id)]
    elif sku_id is not None:
        parts = [(sku_id, 1)]
    else:
        return []
    return [(component, per_bundle * quantity) for component, per_bundle in parts]
