"""Why an order waits for its mappings: the hold reason the hub writes and later clears.

The reason is text an operator reads ("unmapped SKU X on channel Y"); the prefix lets the
hub recognise its own hold and lift it when the mapping is fixed, without touching
orders held for anything else (a review rule, a payment problem).
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.domain.orders import Order, OrderLine, OrderStatus

__all__ = ["UNMAPPED_PREFIX", "held_for_mapping", "is_mapped", "unmapped_reason"]

UNMAPPED_PREFIX = "unmapped SKU "


def is_mapped(line: OrderLine, bundle_listing_ids: Iterable[int] = ()) -> bool:
    """A line is mapped when it has a SKU or its listing is a bundle of SKUs."""
    return line.sku_id is not None or (
        line.listing_id is not None and line.listing_id in set(bundle_listing_ids)
    )


def unmapped_reason(unmapped_skus: Iterable[str], channel: str) -> str | None:
    skus = sorted(set(unmapped_skus))
    if not skus:
        return None
    return "; ".join(f"{UNMAPPED_PREFIX}{sku} on channel {channel}" for sku in skus)


def held_for_mapping(order: Order) -> bool:
    return order.status is OrderStatus.ON_HOLD and (order.status_reason or "").startswith(
        UNMAPPED_PREFIX
    )
