"""docs/order-schema.json describes the unified order exactly as the API serializes it:
a stored order with every v2 fact, and one mapped from a platform payload, validate;
the schema names every field and nothing more (additionalProperties false, all required)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from hub.services import catalog, order_views, statuses
from hub.services.orders import store_order
from mapping.platforms.woocommerce import map_order
from tests.fakes.memshop import woo_order
from tests.integration.factories import UowFactory
from tests.integration.order_v2_setup import v2_order

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "order-schema.json").read_text("utf-8")
)


def _validate(facts: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(facts), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_a_stored_order_with_every_v2_fact_matches_the_schema(tenant: UowFactory) -> None:
    channel = catalog.create_channel(tenant(), "shop", "shopify", "USD")
    assert channel.id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        order = v2_order(uow.tenant_id, channel.id, "S-1")
        uow.orders.add(order)
        uow.commit()
        order_id = order.id
    assert order_id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        detail = order_views.order_detail(uow.session, uow.tenant_id, order_id)
    facts = detail["unified"]
    _validate(facts)
    assert facts["lines"][2]["unit_price"] is None  # unknown stays unknown in JSON
    assert facts["unknown_amounts"] == ["lines[2].unit_price", "lines[2].discount", "lines[2].tax"]
    assert facts["recomputed_totals"]["total"] is None  # needs the unknown price
    assert facts["stated_totals"]["total"] == {"amount": "32.30", "currency": "USD"}


def test_an_order_mapped_from_a_platform_payload_matches_the_schema(tenant: UowFactory) -> None:
    catalog.create_channel(tenant(), "woo", "woocommerce", "EUR")
    context = statuses.mapping_context(tenant(), "woo")
    mapped = map_order(woo_order(77, "2026-11-01T10:00:00", [("SKU-A", 2)]), context)
    stored = store_order(tenant(), "woo", mapped)
    assert stored.id is not None
    with tenant() as uow:
        assert uow.tenant_id is not None
        facts = order_views.order_detail(uow.session, uow.tenant_id, stored.id)["unified"]
    _validate(facts)
    assert facts["external_id"] == "77"


def test_the_schema_requires_every_field_and_refuses_unknown_ones() -> None:
    assert set(SCHEMA["required"]) == set(SCHEMA["properties"])
    for name, part in SCHEMA["$defs"].items():
        if part.get("type") == "object" and name != "money":
            assert set(part["required"]) == set(part["properties"]), name
            assert part["additionalProperties"] is False, name
