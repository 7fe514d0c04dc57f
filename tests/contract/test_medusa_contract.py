"""The Medusa connector passes the storefront contract kit (the second read of open
orders is switched off here: tests/contract/test_medusa.py covers it)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from connectors.base import StockLevelUpdate
from connectors.shop_platforms.medusa import MedusaConnector
from connectors.testing import StorefrontContract
from tests.contract import medusa_docs as docs


class TestMedusaContract(StorefrontContract):
    connector_class = MedusaConnector
    config: ClassVar[dict[str, Any]] = {
        "base_url": "http://127.0.0.1:9000",
        "api_key": "sk_contract_5b2f0e9d1c",
        "location_id": "sloc_main",
        "reread_open": False,
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        found = docs.order(n)
        docs.check("AdminOrder", found)
        return found

    def malformed_order_payload(self) -> dict[str, Any]:
        return {**docs.order(999), "updated_at": "whenever"}

    def stock_update(self, n: int) -> StockLevelUpdate:
        return StockLevelUpdate(listing_id=f"iitem_{n:04d}", quantity=n % 7)

    def stock_items(self, request_json: Any) -> list[Any]:
        return [*request_json["update"], *request_json["create"]]

    def stock_push_response(self, request_json: Any) -> Any:
        return {"updated": request_json["update"], "created": request_json["create"]}

    def test_stock_is_pushed_in_batches(self, connector: Any, api: Any) -> None:
        # Every batch first reads Medusa's own reservations (one GET), then writes.
        size = connector.stock_batch_size
        updates = [self.stock_update(n) for n in range(2 * size + 1)]
        batches: list[int] = []

        def levels(request: Any) -> tuple[int, dict[str, str], str]:
            ids = [v for k, v in _query(request.url) if k == "id[]"]
            items = [
                {
                    "id": i,
                    "location_levels": [
                        {"location_id": "sloc_main", "stocked_quantity": 9, "reserved_quantity": 2}
                    ],
                }
                for i in ids[::2]
            ]
            return 200, {}, json.dumps({"inventory_items": items, "count": len(items)})

        def write(request: Any) -> tuple[int, dict[str, str], str]:
            sent = json.loads(request.body)
            batches.append(len(self.stock_items(sent)))
            for level in sent["update"]:
                assert level["stocked_quantity"] == int(level["inventory_item_id"][-4:]) % 7 + 2
            assert all(level["stocked_quantity"] < 7 for level in sent["create"])
            return 200, {}, json.dumps(self.stock_push_response(sent))

        api.add_callback("GET", connector.http.url("admin/inventory-items"), levels)
        api.add_callback(
            "POST", connector.http.url("admin/inventory-items/location-levels/batch"), write
        )
        result = connector.push_stock(updates)
        assert batches == [size, size, 1]
        assert sorted(result.accepted) == sorted(u.listing_id for u in updates)


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)
