"""``hub connector new NAME``: a storefront connector package and its contract test.

The skeleton is a working REST connector for an imaginary platform (page-numbered
orders list, HMAC webhooks, a stock batch endpoint) with its own order mapper
(mapper.py: platform record -> unified order, which the connector's `map_order` points
at), that already passes the contract kit, so an integrator starts from green and
changes one declaration at a time.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

_CONNECTOR = Template('''\
"""$title storefront connector.

Start from the platform's official docs: change the declarations first (paths,
paginator, the "changed since" parameters), then the hooks that differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import SecretStr
from requests.auth import AuthBase

from connectors.base import Capability, ConnectorConfig, StockLevelUpdate, secret
from connectors.toolkit import (
    BearerAuth,
    PageNumberPaginator,
    PageRequest,
    RateLimit,
    RestStorefrontConnector,
    Stream,
    verify_hmac_sha256_base64,
)

from . import mapper


class ${cls}Config(ConnectorConfig):
    api_url: str  # e.g. https://api.example.com/v1
    api_token: SecretStr = secret("API access token")
    webhook_secret: SecretStr | None = secret("webhook signing secret", default=None)


class ${cls}Connector(RestStorefrontConnector[${cls}Config]):
    name: ClassVar[str] = "$name"
    config_model = ${cls}Config
    map_order = staticmethod(mapper.map_order)  # the platform's record -> unified Order
    capabilities = frozenset(
        {Capability.PULL_ORDERS, Capability.GET_ORDER, Capability.WEBHOOKS, Capability.PUSH_STOCK}
    )
    orders = Stream(
        path="orders",
        paginator=PageNumberPaginator(total_pages_header="X-Total-Pages"),
        records_path=("orders",),
        updated_field="updated_at",
    )
    rate_limit = RateLimit(capacity=10, rate=2.0)
    stock_batch_size = 50

    def base_url(self) -> str:
        return self.config.api_url.rstrip("/") + "/"

    def authenticator(self) -> AuthBase:
        return BearerAuth(self.config.api_token)

    def changed_since_params(self, since: datetime) -> dict[str, Any]:
        return {"updated_after": since.astimezone(UTC).isoformat(), "per_page": 100}

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.config.webhook_secret
        signature = headers.get("X-Signature")
        return secret is not None and verify_hmac_sha256_base64(
            secret.get_secret_value(), body, signature
        )

    def webhook_topic(self, headers: Mapping[str, str]) -> str:
        return headers.get("X-Topic", "")

    def stock_request(self, chunk: Sequence[StockLevelUpdate]) -> PageRequest:
        items = [{"id": u.listing_id, "quantity": u.quantity} for u in chunk]
        return PageRequest("inventory/batch", method="POST", json={"items": items})
''')

_MAPPER = Template('''\
"""$title order -> the hub's unified order (hub.domain.orders.Order, docs/orders.md).

Follow the platform's documented meaning of every field: where prices include tax say
so (prices_include_tax), keep an amount the platform does not state as None (never 0),
keep the platform's own totals in stated_totals for the hub's self-check, and name the
record and the field in every error (InvalidValue), so the sync engine can queue it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, StatedTotals
from mapping.converters import currency_code, integer, optional_text, text, utc_datetime
from mapping.mapper import Context


def _money(record: Mapping[str, Any], key: str, currency: str, where: str) -> Money | None:
    if record.get(key) is None:
        return None  # not stated: unknown, never 0
    try:
        return Money.of(record[key], currency, field=key)
    except InvalidValue as exc:
        raise InvalidValue(key, record[key], exc.reason, record=where) from None


def _text(value: Any, context: Context) -> str | None:
    return None if value is None else optional_text(value, context)


def _line(item: Any, currency: str, context: Context, where: str) -> OrderLine:
    if not isinstance(item, Mapping):
        raise InvalidValue("lines[]", item, "must be an object", record=where)
    line = f"{where} line {item.get('id', '?')}"
    return OrderLine(
        channel_sku=_text(item.get("sku"), context),  # a missing SKU stays missing
        quantity=integer(item.get("quantity"), context),
        unit_price=_money(item, "price", currency, line),
        title=str(item.get("title") or ""),
        external_id=_text(item.get("id"), context),
        platform_listing_id=_text(item.get("variant_id"), context),
        raw=dict(item),
    )


def map_order(record: Mapping[str, Any], context: Context) -> Order:
    """One $name order record (as pulled or as a webhook delivered it)."""
    where = f"$name order {record.get('id', '?')}"
    for key in ("id", "updated_at"):
        if record.get(key) is None:
            raise InvalidValue(key, None, "is required", record=where)
    lines = record.get("lines") or []
    if not isinstance(lines, list):
        raise InvalidValue("lines", lines, "must be a list", record=where)
    currency = currency_code(record.get("currency") or context.currency, context)
    return Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=text(record["id"], context),
        currency=currency,
        placed_at=utc_datetime(record.get("created_at") or record["updated_at"], context),
        platform_updated_at=utc_datetime(record["updated_at"], context),
        number=_text(record.get("number"), context),
        lines=[_line(item, currency, context, where) for item in lines],
        stated_totals=StatedTotals(total=_money(record, "total", currency, where)),
    )
''')

_INIT = Template('''\
"""$title storefront connector."""

from $package.connector import ${cls}Config, ${cls}Connector

__all__ = ["${cls}Config", "${cls}Connector"]
''')

_CONTRACT = Template('''\
"""The $name connector passes the storefront contract kit."""

from __future__ import annotations

from typing import Any, ClassVar

$imports

WEBHOOK_SECRET = "whsec-test"


class Test${cls}Contract(StorefrontContract):
    connector_class = ${cls}Connector
    config: ClassVar[dict[str, Any]] = {
        "api_url": "https://api.$name.example/v1",
        "api_token": "token-test",
        "webhook_secret": WEBHOOK_SECRET,
    }

    def order_payload(self, n: int) -> dict[str, Any]:
        # Replace with an example copied from the platform's official docs.
        return {
            "id": n,
            "number": f"#{1000 + n}",
            "updated_at": "2025-01-02T10:00:00Z",
            "currency": "USD",
            "total": "10.00",
            "lines": [{"id": 1, "sku": "SKU-1", "variant_id": 11, "quantity": 1, "price": "10.00"}],
        }

    def malformed_order_payload(self) -> dict[str, Any]:
        return {"id": 999, "updated_at": "not a date"}

    def sign_webhook(self, body: bytes) -> dict[str, str]:
        return {"X-Signature": hmac_sha256_base64(WEBHOOK_SECRET, body), "X-Topic": "order"}

    def stock_items(self, request_json: Any) -> list[Any]:
        return list(request_json["items"])

    def stock_push_response(self, request_json: Any) -> Any:
        return {"items": request_json["items"]}
''')


@dataclass(frozen=True)
class Scaffold:
    package_dir: Path
    test_file: Path
    entry_point: str  # the line to add under [project.entry-points."hub.connectors"]


def generate(
    name: str, root: Path, package: str | None = None, tests_dir: str = "tests/contract"
) -> Scaffold:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ValueError(f"connector name {name!r}: use lowercase letters, digits, underscores")
    package = package or f"connectors.shop_platforms.{name}"
    root = root.resolve()
    package_dir = root.joinpath(*package.split("."))
    test_file = root / tests_dir / f"test_{name}_contract.py"
    for path in (package_dir, test_file):
        if path.exists():
            raise FileExistsError(f"{path} already exists: refusing to overwrite")
    words = {
        "name": name,
        "cls": "".join(part.capitalize() for part in name.split("_")),
        "title": name.replace("_", " ").title(),
        "package": package,
    }
    # One first-party block, sorted as isort would: the package may sort either side.
    words["imports"] = "\n".join(
        sorted(
            [
                "from connectors.testing import StorefrontContract",
                "from connectors.toolkit import hmac_sha256_base64",
                f"from {package} import {words['cls']}Connector",
            ]
        )
    )
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text(_INIT.substitute(words))
    (package_dir / "connector.py").write_text(_CONNECTOR.substitute(words))
    (package_dir / "mapper.py").write_text(_MAPPER.substitute(words))
    test_file.parent.mkdir(parents=True, exist_ok=True)
    test_file.write_text(_CONTRACT.substitute(words))
    entry = f'{name} = "{package}:{words["cls"]}Connector"'
    return Scaffold(package_dir, test_file, entry)
