"""`order.changed` events ride the caller's transaction: committed with it, gone with a rollback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.db.outbox import Outbox
from hub.db.unit_of_work import UnitOfWork
from hub.services.order_events import ORDER_CHANGED, record_order_change

Tenant = Callable[[], UnitOfWork]


def _changes(tenant: Tenant) -> list[dict[str, object]]:
    with tenant() as uow:
        assert uow.tenant_id is not None
        return [e.payload for e in Outbox(uow.session, uow.tenant_id).pending(ORDER_CHANGED)]


def test_a_committed_change_is_announced_with_its_detail(tenant: Tenant) -> None:
    with tenant() as uow:
        record_order_change(uow, 41, "refund", refund="R-1")
        uow.commit()
    assert _changes(tenant) == [{"order_id": 41, "change": "refund", "refund": "R-1"}]


def test_a_rolled_back_change_announces_nothing(tenant: Tenant) -> None:
    with tenant() as uow:
        record_order_change(uow, 41, "payment")
        uow.rollback()
    assert _changes(tenant) == []


def test_an_unknown_kind_of_change_is_refused_naming_the_order(tenant: Tenant) -> None:
    with tenant() as uow, pytest.raises(ValueError, match="order 7: unknown change 'paid'"):
        record_order_change(uow, 7, "paid")  # type: ignore[arg-type]
