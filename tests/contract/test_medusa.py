"""Medusa connector and mapper on the shapes the real 2.21.2 server sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import jsonschema
import pytest
import responses
from responses import matchers

from connectors.base import FulfillmentPush
from connectors.shop_platforms.medusa import ORDER_FIELDS, MedusaConfig, MedusaConnector
from connectors.toolkit import ConnectorContext
from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import FinancialStatus, OrderStatus
from mapping.mapper import Context
from mapping.platforms.medusa import map_order
from tests.contract import medusa_docs as docs

URL = "http://127.0.0.1:9000/"
CTX = Context(1, 2, "medusa")


def medusa() -> MedusaConnector:
    config = MedusaConfig(
        base_url="http://127.0.0.1:9000", api_key="sk_test_1", location_id="sloc_main"
    )
    return MedusaConnector(config, ConnectorContext(sleep=lambda s: None))


def test_unrounded_tax_inclusive_amounts_round_once_to_the_cent() -> None:
    order = map_order(docs.order(1), CTX)
    assert order.currency == "EUR" and order.status is OrderStatus.READY
    (vat,) = order.tax_lines
    assert vat.inclusive and vat.rate == Decimal("0.19")
    assert vat.amount == Money.of("7.95", "EUR")  # 3.99159... + 3.17731... + 0.78235...
    assert order.grand_total == Money.of("49.80", "EUR")
    assert [(ln.channel_sku, ln.quantity) for ln in order.lines] == [
        ("HUB-MUG-001", 2),
        ("HUB-TSHIRT-M", 1),
    ]


def test_a_captured_payment_is_a_new_version_and_open_orders_are_read_again() -> None:
    captured = docs.order(1, payment_status="captured")
    captured["payment_collections"] = [
        {"id": "pay_col_1", "status": "completed", "updated_at": "2026-12-01T10:00:00.000Z"}
    ]
    changed = {"count": 0, "offset": 0, "limit": 50, "orders": []}
    open_ = {"count": 1, "offset": 0, "limit": 50, "orders": [captured]}
    wanted = {"order": "updated_at", "fields": ORDER_FIELDS, "offset": "0", "limit": "50"}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.add(
            responses.GET,
            URL + "admin/orders",
            json=changed,
            match=[
                matchers.query_param_matcher(
                    {**wanted, "updated_at[$gte]": "2026-11-30T00:00:00.000Z"}
                )
            ],
        )
        api.add(
            responses.GET,
            URL + "admin/orders",
            json=open_,
            match=[matchers.query_param_matcher({**wanted, "status[]": "pending"})],
        )
        pages = list(medusa().iter_order_pages(datetime(2026, 11, 30, tzinfo=UTC)))
        assert api.calls[0].request.headers["Authorization"] == "Basic c2tfdGVzdF8xOg=="
    (record,) = [r for p in pages for r in p.records]
    assert record.updated_at == datetime(2026, 12, 1, 10, tzinfo=UTC)  # the capture, not updated_at
    assert [p.resume for p in pages] == ["open:0", None]


def test_a_shipment_is_a_fulfillment_then_a_labelled_shipment() -> None:
    push = FulfillmentPush("order_1", {"ordli_1": 2}, "DHL", "JD0146", "https://dhl.example/JD0146")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.add(
            responses.POST,
            URL + "admin/orders/order_1/fulfillments",
            json={"order": {"id": "order_1"}},
        )
        api.add(
            responses.GET,
            URL + "admin/orders/order_1",
            json={
                "order": {
                    "id": "order_1",
                    "fulfillments": [{"id": "ful_1", "created_at": "2026-11-22T03:20:51.079Z"}],
                }
            },
        )
        api.add(
            responses.POST,
            URL + "admin/orders/order_1/fulfillments/ful_1/shipments",
            json={"order": {"id": "order_1"}},
        )
        result = medusa().push_fulfillment(push)
        sent = [json.loads(c.request.body or b"{}") for c in api.calls]
    jsonschema.validate(sent[0], docs.request_schema("/admin/orders/{id}/fulfillments"))
    jsonschema.validate(
        sent[2], docs.request_schema("/admin/orders/{id}/fulfillments/{fulfillment_id}/shipments")
    )
    assert sent[0]["location_id"] == "sloc_main"
    assert sent[2]["labels"][0]["tracking_number"] == "JD0146"
    assert result.accepted == ["order_1"]


def test_a_cancellation_is_one_call_to_the_cancel_route_the_spec_documents() -> None:
    route = docs.spec()["paths"]["/admin/orders/{id}/cancel"]
    assert set(route) == {"post"} and "requestBody" not in route["post"]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        api.add(
            responses.POST,
            URL + "admin/orders/order_1/cancel",
            json={"order": {**docs.order(1), "status": "canceled"}},
        )
        result = medusa().push_cancellation("order_1", "rejected by ops")
        assert api.calls[0].request.body is None
    assert (result.accepted, result.calls) == (["order_1"], 1)


LIFE = json.loads((docs.RECORDED.parent / "medusa_order_life.json").read_text())


def test_recorded_later_states_match_the_documented_admin_order() -> None:
    """All but one value: the spec's payment collection status enum lacks "completed",
    which the 2.21.2 server sends once the payment is captured (the mapper reads the
    captures, not that status)."""
    for recorded in LIFE.values():
        checked = json.loads(json.dumps(recorded))
        for collection in checked["payment_collections"]:
            if collection["status"] == "completed":
                del collection["status"]
        docs.check("AdminOrder", checked)
    statuses = {c["status"] for o in LIFE.values() for c in o["payment_collections"]}
    assert statuses == {"completed", "canceled"}


def test_each_capture_is_a_payment_and_each_refund_a_money_only_refund() -> None:
    # 3 caps + 4.90 shipping, 15 back (and a return, below)
    recorded = LIFE["captured_shipped_returned_partially_refunded"]
    order = map_order(recorded, CTX)
    (payment,) = order.payments
    (collection,) = recorded["payment_collections"]
    (medusa_payment,) = collection["payments"]
    (capture,) = medusa_payment["captures"]
    assert (payment.external_id, payment.gateway) == (capture["id"], "pp_system_default")
    assert payment.amount == Money.of("49.90", "EUR") == order.grand_total
    assert payment.processed_at == datetime.fromisoformat(capture["created_at"])
    (refund,) = [r for r in order.refunds if (r.external_id or "").startswith("ref_")]
    assert refund.external_id == medusa_payment["refunds"][0]["id"]
    assert refund.amount == Money.of("15.00", "EUR")
    assert refund.reason == "one cap arrived damaged"
    # Medusa's refund names no line and moves no stock: restock is not stated.
    assert refund.lines == [] and refund.restock is None
    assert [ln.quantity_shipped for ln in order.lines] == [3]
    assert order.cancelled_at is None


def test_a_capture_alone_is_a_newer_version_of_the_order() -> None:
    """Medusa keeps the order's updated_at on a capture: the mapped version is the newest
    of the order's and its payment records' stamps, else ingest takes the captured order
    for the one it holds ("same") and the payment is never applied."""
    captured = json.loads(json.dumps(LIFE["captured_shipped_returned_partially_refunded"]))
    captured["updated_at"] = "2026-12-01T09:00:00.000Z"
    captured["returns"] = []
    (collection,) = captured["payment_collections"]
    collection["updated_at"] = "2026-12-01T09:00:00.000Z"
    (payment,) = collection["payments"]
    payment["refunds"] = []
    payment["updated_at"] = "2026-12-01T10:00:00.000Z"
    payment["captures"][0]["updated_at"] = "2026-12-01T10:00:00.000Z"
    order = map_order(captured, CTX)
    assert order.platform_updated_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    payment["captures"] = []  # authorized, not captured yet
    assert map_order(captured, CTX).payments == []


def test_a_cancelled_uncaptured_order_is_cancelled_voided_and_unpaid() -> None:
    recorded = LIFE["canceled_before_capture"]
    order = map_order(recorded, CTX)
    assert order.status is OrderStatus.CANCELLED
    assert order.financial_status is FinancialStatus.VOIDED
    assert order.cancelled_at == datetime.fromisoformat(recorded["canceled_at"])
    assert order.payments == [] and order.refunds == []


def test_a_capture_without_an_amount_is_refused_naming_the_field() -> None:
    captured = json.loads(json.dumps(LIFE["captured_shipped_returned_partially_refunded"]))
    del captured["payment_collections"][0]["payments"][0]["captures"][0]["amount"]
    with pytest.raises(InvalidValue, match="amount"):
        map_order(captured, CTX)


def test_a_received_return_is_a_moneyless_refund_restocked_at_its_location() -> None:
    """Medusa restocks a received return's units at the return's location, all but the
    damaged ones (dismissed: counted as received, written off); its money is the payment
    refund, not the return."""
    recorded = LIFE["captured_shipped_returned_partially_refunded"]
    (ret,) = recorded["returns"]
    (item,) = ret["items"]
    assert (ret["status"], item["received_quantity"], item["damaged_quantity"]) == (
        "received",
        2,
        1,
    )
    refunds = {r.external_id: r for r in map_order(recorded, CTX).refunds}
    back = refunds[ret["id"]]
    assert back.amount == Money.of("0", "EUR")
    assert back.restock_location == ret["location_id"]
    assert [(ln.line_external_id, ln.quantity, ln.restock) for ln in back.lines] == [
        (item["item_id"], 1, True),
        (item["item_id"], 1, False),
    ]
    assert back.created_at == datetime.fromisoformat(ret["received_at"])
    requested = json.loads(json.dumps(recorded))
    requested["returns"][0]["status"] = "requested"  # not received yet: nothing back
    assert ret["id"] not in {r.external_id for r in map_order(requested, CTX).refunds}


def test_a_fulfilled_order_is_shipped_because_its_units_left_medusas_stock() -> None:
    """POST /admin/orders/{id}/fulfillments lowers stocked_quantity at once; the shipment
    after it only adds a label. Between the two the order says "fulfilled"."""
    packed = json.loads(json.dumps(LIFE["captured_shipped_returned_partially_refunded"]))
    packed.update(fulfillment_status="fulfilled", returns=[])
    assert map_order(packed, CTX).status is OrderStatus.SHIPPED
    packed.update(fulfillment_status="partially_fulfilled")
    assert map_order(packed, CTX).status is OrderStatus.PARTIALLY_SHIPPED
