"""Stock operations as services, on SQLite and on real PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.domain.errors import (
    AlreadyExists,
    CurrencyMismatch,
    InsufficientStock,
    InvalidValue,
    NotFound,
)
from hub.domain.inventory import MovementKind
from hub.domain.money import Money
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services import catalog, inventory, purchasing
from tests.conftest import Database
from tests.integration.factories import UowFactory, workspace


def test_receiving_a_purchase_order_in_parts_writes_one_movement_per_line(
    tenant: UowFactory,
) -> None:
    ws = workspace(tenant)
    purchasing.create_purchase_order(
        tenant(),
        "PO-7",
        "ALPS",
        "BER",
        [("TENT", 10, Money.of("80.00", "EUR")), ("STOVE", 4, Money.of("19.90", "EUR"))],
    )
    first = purchasing.receive_purchase_order(tenant(), "PO-7", {"TENT": 6}, actor="clerk")
    assert ws.level("BER", "TENT") == (6, 0)
    purchasing.receive_purchase_order(tenant(), "PO-7", {"TENT": 4, "STOVE": 4}, actor="clerk")
    assert ws.level("BER", "TENT") == (10, 0)
    assert ws.level("BER", "STOVE") == (4, 0)
    with tenant() as uow:
        movements = uow.movements.list()
        assert [(m.kind, m.quantity) for m in movements] == [
            (MovementKind.RECEIPT, 6),
            (MovementKind.RECEIPT, 4),
            (MovementKind.RECEIPT, 4),
        ]
        assert movements[0].reference == f"po:PO-7/receipt:{first.id}"
        assert all(m.actor == "clerk" and m.reason for m in movements)
        assert uow.purchase_orders.by_key("PO-7").status is PurchaseOrderStatus.RECEIVED
        receipt = uow.receipts.get(first.id)  # type: ignore[arg-type]
        assert receipt.total_cost == Money.of("480.00", "EUR")


def test_receipt_beyond_the_ordered_quantity_is_refused_and_nothing_is_written(
    tenant: UowFactory,
) -> None:
    ws = workspace(tenant)
    purchasing.create_purchase_order(
        tenant(),
        "PO-8",
        "ALPS",
        "BER",
        [("TENT", 5, Money.of("80", "EUR")), ("STOVE", 5, Money.of("20", "EUR"))],
    )
    with pytest.raises(InvalidValue) as err:
        purchasing.receive_purchase_order(tenant(), "PO-8", {"STOVE": 2, "TENT": 6}, actor="clerk")
    assert err.value.field == "quantity" and err.value.value == 6
    assert ws.count_movements() == 0
    assert ws.level("BER", "STOVE") == (0, 0)
    with tenant() as uow:
        assert uow.receipts.list() == []


def test_a_purchase_order_line_in_another_currency_is_refused(tenant: UowFactory) -> None:
    workspace(tenant)
    with pytest.raises(CurrencyMismatch):
        purchasing.create_purchase_order(
            tenant(), "PO-9", "ALPS", "BER", [("TENT", 1, Money.of("1", "USD"))]
        )
    with tenant() as uow:
        assert uow.purchase_orders.find(number="PO-9") is None


def test_cycle_count_records_the_difference(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 10})
    movement = inventory.adjust_to_count(
        tenant(), "BER", "TENT", 7, actor="counter", reason="cycle count aisle 3"
    )
    assert movement is not None
    assert (movement.kind, movement.on_hand_delta, movement.reference) == (
        MovementKind.ADJUSTMENT,
        -3,
        "count:7",
    )
    assert ws.level("BER", "TENT") == (7, 0)
    assert inventory.adjust_to_count(tenant(), "BER", "TENT", 7, actor="c", reason="r") is None
    assert inventory.adjust_to_count(tenant(), "BER", "TENT", 9, actor="c", reason="r")
    assert ws.level("BER", "TENT") == (9, 0)


def test_transfer_moves_stock_with_two_linked_movements(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 10})
    out, into = inventory.transfer(
        tenant(), "BER", "NJ", "TENT", 4, actor="ops", reason="stock the US"
    )
    assert (out.kind, into.kind) == (MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
    assert out.reference == into.reference and out.reference.startswith("transfer:")  # type: ignore[union-attr]
    assert ws.level("BER", "TENT") == (6, 0)
    assert ws.level("NJ", "TENT") == (4, 0)


def test_transfer_to_the_same_warehouse_is_refused(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 10})
    with pytest.raises(InvalidValue) as err:
        inventory.transfer(tenant(), "BER", "BER", "TENT", 1, actor="ops", reason="r")
    assert err.value.field == "to_warehouse"
    assert ws.count_movements() == 1


def test_transfer_of_more_than_is_free_is_refused_and_nothing_moves(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 3})
    with pytest.raises(InsufficientStock) as err:
        inventory.transfer(tenant(), "BER", "NJ", "TENT", 4, actor="ops", reason="r")
    assert "warehouse BER sku TENT" in str(err.value)
    assert ws.level("BER", "TENT") == (3, 0) and ws.level("NJ", "TENT") == (0, 0)
    assert ws.count_movements() == 1


def test_scrap_and_return(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "STOVE"): 5})
    scrapped = inventory.scrap(tenant(), "BER", "STOVE", 2, actor="qa", reason="dented")
    returned = inventory.return_to_stock(
        tenant(), "BER", "STOVE", 1, actor="rma", reason="customer return", reference="order:1001"
    )
    assert (scrapped.kind, scrapped.on_hand_delta) == (MovementKind.SCRAP, -2)
    assert (returned.kind, returned.on_hand_delta, returned.reference) == (
        MovementKind.RETURN,
        1,
        "order:1001",
    )
    assert ws.level("BER", "STOVE") == (4, 0)


def test_scrap_more_than_on_hand_is_refused(tenant: UowFactory) -> None:
    ws = workspace(tenant, {("BER", "STOVE"): 5})
    with pytest.raises(InsufficientStock) as err:
        inventory.scrap(tenant(), "BER", "STOVE", 6, actor="qa", reason="r")
    assert err.value.field == "on_hand"
    assert ws.level("BER", "STOVE") == (5, 0)


@pytest.mark.parametrize(("call", "kind", "key"), [
    (lambda u: inventory.scrap(u(), "BER", "NOPE", 1, actor="a", reason="r"), "sku", "NOPE"),
    (lambda u: inventory.scrap(u(), "XX", "TENT", 1, actor="a", reason="r"), "warehouse", "XX"),
    (lambda u: inventory.transfer(u(), "BER", "XX", "TENT", 1, actor="a", reason="r"),
     "warehouse", "XX"),
    (lambda u: purchasing.receive_purchase_order(u(), "PO-X", {"TENT": 1}, actor="a"),
     "purchase order", "PO-X"),
])  # fmt: skip
def test_unknown_references_are_refused_by_name(tenant: UowFactory, call, kind, key) -> None:  # type: ignore[no-untyped-def]
    workspace(tenant)
    with pytest.raises(NotFound) as err:
        call(tenant)
    assert (err.value.kind, err.value.key) == (kind, key)


@pytest.mark.parametrize("qty", [0, -3])
def test_non_positive_quantities_are_refused(tenant: UowFactory, qty: int) -> None:
    ws = workspace(tenant, {("BER", "TENT"): 5})
    with pytest.raises(InvalidValue) as err:
        inventory.scrap(tenant(), "BER", "TENT", qty, actor="a", reason="r")
    assert err.value.field == "quantity"
    assert ws.count_movements() == 1


def test_lot_tracked_stock_needs_a_lot_and_keeps_lots_apart(tenant: UowFactory) -> None:
    ws = workspace(tenant)
    purchasing.create_purchase_order(
        tenant(), "PO-L", "ALPS", "BER", [("GAS", 10, Money.of("2", "EUR"))]
    )
    with pytest.raises(InvalidValue) as err:
        purchasing.receive_purchase_order(tenant(), "PO-L", {"GAS": 4}, actor="clerk")
    assert err.value.field == "lot"
    purchasing.receive_purchase_order(
        tenant(), "PO-L", {"GAS": 4}, actor="clerk", lots={"GAS": "L1"}
    )
    purchasing.receive_purchase_order(
        tenant(), "PO-L", {"GAS": 6}, actor="clerk", lots={"GAS": "L2"}
    )
    inventory.scrap(tenant(), "BER", "GAS", 1, actor="qa", reason="leak", lot="L2")
    assert ws.level("BER", "GAS", "L1") == (4, 0)
    assert ws.level("BER", "GAS", "L2") == (5, 0)
    with pytest.raises(NotFound):
        inventory.scrap(tenant(), "BER", "GAS", 1, actor="qa", reason="r", lot="L9")
    with pytest.raises(InvalidValue):
        inventory.scrap(tenant(), "BER", "TENT", 1, actor="qa", reason="r", lot="L1")


def test_duplicates_are_refused(tenant: UowFactory) -> None:
    workspace(tenant)
    with pytest.raises(AlreadyExists):
        catalog.create_sku(tenant(), "TENT", "again", Money.of("1", "EUR"))
    with pytest.raises(AlreadyExists):
        catalog.create_warehouse(tenant(), "BER", "again")


def test_stock_report_shows_available_after_safety_stock(tenant: UowFactory) -> None:
    workspace(tenant, {("BER", "TENT"): 10, ("NJ", "TENT"): 2})
    inventory.set_safety_stock(tenant(), "BER", "TENT", 3, reorder_point=5)
    rows = {(r.warehouse, r.sku): r for r in inventory.stock_report(tenant())}
    assert (rows["BER", "TENT"].on_hand, rows["BER", "TENT"].available) == (10, 7)
    assert rows["NJ", "TENT"].available == 2


def test_tenants_never_see_each_other(db: Database, tenant: UowFactory) -> None:
    workspace(tenant, {("BER", "TENT"): 10})
    other = catalog.create_tenant(db.uow(), f"other-{id(tenant)}-{db.backend}", "Other")
    with db.uow(other.id) as uow:
        assert uow.skus.find(code="TENT") is None
        assert uow.stock.list() == []
        assert uow.movements.list() == []
    with pytest.raises(NotFound):
        inventory.scrap(db.uow(other.id), "BER", "TENT", 1, actor="a", reason="r")


def test_verify_proves_the_ledger_and_detects_a_corrupted_balance(
    db: Database, tenant: UowFactory
) -> None:
    workspace(tenant, {("BER", "TENT"): 10, ("BER", "STOVE"): 4})
    inventory.transfer(tenant(), "BER", "NJ", "TENT", 3, actor="ops", reason="r")
    assert inventory.verify_ledger(tenant()) == []
    with tenant() as uow:
        tent = uow.skus.by_key("TENT")
        ber = uow.warehouses.by_key("BER")
        uow.session.execute(
            sa.text(
                "UPDATE stock_levels SET on_hand = on_hand + 5 "
                "WHERE sku_id = :sku AND warehouse_id = :wh"
            ),
            {"sku": tent.id, "wh": ber.id},
        )
        uow.commit()
    drifts = inventory.verify_ledger(tenant())
    assert len(drifts) == 1
    drift = drifts[0]
    assert (drift.sku_id, drift.warehouse_id) == (tent.id, ber.id)
    assert (drift.on_hand, drift.on_hand_from_ledger) == (12, 7)
