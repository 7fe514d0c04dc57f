"""What an order line takes from stock: its SKU, or a bundle's components.

`parts` maps each line to [(sku id, units per one unit of the line)]: [(sku, 1)] for a
plain line, the flattened components for a bundle SKU or bundle listing
(`hub.services.bundles.bundle_definitions`, `mapping.bundles.expand_line`), [] for an
unmapped line. Bundle definitions are read only when a line is flagged as a bundle by
the query that loaded it (`allocation_store.is_bundle`), so orders without bundles cost
no extra round trip.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.db.allocation_store import LineRow
from hub.db.unit_of_work import UnitOfWork
from hub.services.bundles import bundle_definitions
from mapping.bundles import BundleKey, Components, expand_line

__all__ = ["Parts", "line_parts", "load_parts", "units_done"]

Parts = dict[int, Components]  # line id -> [(sku id, units per line unit)]


def line_parts(lines: Iterable[LineRow], definitions: dict[BundleKey, Components]) -> Parts:
    return {
        line.id: expand_line(
            definitions, sku_id=line.sku_id, listing_id=line.listing_id, quantity=1
        )
        for line in lines
    }


def load_parts(uow: UnitOfWork, lines: list[LineRow]) -> Parts:
    """Inside an open unit of work."""
    if not any(line.bundle for line in lines):
        return {line.id: [(line.sku_id, 1)] if line.sku_id is not None else [] for line in lines}
    return line_parts(lines, bundle_definitions(uow))


def units_done(parts: Components, done: dict[int, int]) -> int:
    """Whole line units covered by per-SKU figures (shipped, returned...): for a bundle,
    the component with the fewest complete sets decides."""
    if not parts:
        return 0
    return min(done.get(sku, 0) // per_unit for sku, per_unit in parts)
