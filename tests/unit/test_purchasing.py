import pytest

from hub.domain.errors import CurrencyMismatch, IllegalTransition, InvalidValue, NotFound
from hub.domain.money import Money
from hub.domain.purchasing import PurchaseOrder, PurchaseOrderStatus


def po() -> PurchaseOrder:
    order = PurchaseOrder(tenant_id=1, supplier_id=1, number="PO-1", warehouse_id=1, currency="EUR")
    order.add_line(sku_id=10, quantity=5, unit_cost=Money.of("2.00", "EUR"))
    order.add_line(sku_id=11, quantity=3, unit_cost=Money.of("7.50", "EUR"))
    return order


def test_partial_receipts_add_up_and_move_the_status() -> None:
    order = po()
    first = order.receive({10: 2}, actor="clerk")
    assert order.status is PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert first.total_cost == Money.of("4.00", "EUR")
    order.receive({10: 3, 11: 3}, actor="clerk")
    assert order.status is PurchaseOrderStatus.RECEIVED
    assert [line.outstanding for line in order.lines] == [0, 0]


def test_receiving_more_than_ordered_is_refused_and_nothing_is_received() -> None:
    order = po()
    with pytest.raises(InvalidValue) as err:
        order.receive({10: 2, 11: 4}, actor="clerk")
    assert err.value.field == "quantity"
    assert "only 3 of 3" in str(err.value)
    assert [line.quantity_received for line in order.lines] == [0, 0]
    assert order.status is PurchaseOrderStatus.OPEN


def test_receiving_a_sku_not_on_the_order_is_refused() -> None:
    with pytest.raises(NotFound):
        po().receive({99: 1}, actor="clerk")


def test_a_fully_received_order_cannot_be_received_again() -> None:
    order = po()
    order.receive({10: 5, 11: 3}, actor="clerk")
    with pytest.raises(IllegalTransition):
        order.receive({10: 1}, actor="clerk")


def test_line_cost_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        po().add_line(sku_id=12, quantity=1, unit_cost=Money.of("1", "USD"))


@pytest.mark.parametrize("quantity", [0, -2])
def test_line_quantity_must_be_positive(quantity: int) -> None:
    with pytest.raises(InvalidValue):
        po().add_line(sku_id=12, quantity=quantity, unit_cost=Money.of("1", "EUR"))


def test_a_draft_is_approved_before_goods_are_received_against_it() -> None:
    order = po()
    order.status = PurchaseOrderStatus.DRAFT
    with pytest.raises(IllegalTransition):
        order.receive({10: 1}, actor="clerk")
    order.approve()
    assert order.status is PurchaseOrderStatus.OPEN
    with pytest.raises(IllegalTransition):
        order.approve()  # only a draft is approved
    order.receive({10: 1}, actor="clerk")
    assert order.status is PurchaseOrderStatus.PARTIALLY_RECEIVED


def test_a_draft_or_an_untouched_open_order_can_be_cancelled_a_received_one_not() -> None:
    draft = po()
    draft.status = PurchaseOrderStatus.DRAFT
    draft.cancel()
    assert draft.status is PurchaseOrderStatus.CANCELLED
    started = po()
    started.receive({10: 1}, actor="clerk")
    with pytest.raises(IllegalTransition):
        started.cancel()
    assert started.status is PurchaseOrderStatus.PARTIALLY_RECEIVED
