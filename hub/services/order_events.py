"""What happened to an order after it first arrived, announced for whoever follows it.

The order-change path (an update from poll, webhook or sweep, diffed against what the
hub holds) writes one `order.changed` event per fact it applied, in the same transaction
as the change, through the transactional outbox. The books follow these events: an
invoice once the order is invoiceable, a credit note per refund, a void for a cancellation
before capture. Writing the event here, not calling the books directly, keeps the order
path free of accounting and makes the books catch up after a crash (at least once; the
books side is idempotent per order and document).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from hub.db.outbox import Outbox, OutboxEvent
from hub.db.unit_of_work import UnitOfWork

__all__ = ["ORDER_CHANGED", "OrderChange", "record_order_change"]

ORDER_CHANGED = "order.changed"

OrderChange = Literal["payment", "refund", "cancellation", "shipment", "lines"]
_CHANGES = frozenset(get_args(OrderChange))


def record_order_change(uow: UnitOfWork, order_id: int, change: OrderChange, **detail: Any) -> None:
    """Announce, inside the caller's transaction, that `change` was applied to the order.

    `detail` is JSON-safe context (a refund's external id, a payment's status); the
    follower reads the order's current state from the store, not from the event.
    """
    if change not in _CHANGES:
        raise ValueError(f"order {order_id}: unknown change {change!r}")
    assert uow.tenant_id is not None
    payload = {"order_id": order_id, "change": change, **detail}
    Outbox(uow.session, uow.tenant_id).add(OutboxEvent(ORDER_CHANGED, f"order:{order_id}", payload))
