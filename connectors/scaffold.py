"""``hub connector new [--kind books] NAME``: a connector package and its contract test.

The storefront skeleton is a working REST connector for an imaginary platform
(page-numbered orders list, HMAC webhooks, a stock batch endpoint) with its own order
mapper (mapper.py: platform record -> unified order, which the connector's `map_order`
points at); the books skeleton posts journals to an imaginary books API with an
Idempotency-Key, looks them up by reference and reads them back page by page. Each
already passes its contract kit, so an integrator starts from green and changes one
declaration at a time.
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
"""$title $what connector."""

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


_BOOKS_CONNECTOR = Template('''\
"""$title books connector.

Start from the books' official API docs: the request shapes in ``send`` and
``read_page``, the natural key's field, the duplicate refusal, the rate limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import requests
from pydantic import SecretStr

from connectors.accounting.base import AlreadyPosted, BooksConnector, Cursor, ReadPage
from connectors.base import (
    ConnectorConfig,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
    secret,
)
from connectors.toolkit import BearerAuth, HttpError, RateLimit
from connectors.toolkit.context import ConnectorContext


class ${cls}Config(ConnectorConfig):
    api_url: str  # e.g. https://books.example.com/api/v1
    api_token: SecretStr = secret("API access token")
    currency: str = "USD"


class ${cls}Connector(BooksConnector[${cls}Config]):
    name: ClassVar[str] = "$name"
    config_model: ClassVar[type[ConnectorConfig]] = ${cls}Config
    rate_limit: ClassVar[RateLimit | None] = RateLimit(capacity=10, rate=5.0)
    page_size: ClassVar[int] = 100

    def __init__(self, config: ${cls}Config, context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        self.http = self.http_client(
            config.api_url,
            requests.Session(),
            auth=BearerAuth(config.api_token),
            secrets=[config.api_token.get_secret_value()],
        )

    def send(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        body = {
            "reference": document.natural_key,
            "date": document.date.date().isoformat(),
            "currency": document.currency,
            "lines": [
                {"account": ln["account"], "amount": str(ln["amount"])}
                for ln in document.payload["lines"]
            ],
        }
        try:
            response = self.http.request(
                "POST", "journals", json=body, headers={"Idempotency-Key": idempotency_key}
            )
        except HttpError as exc:
            if exc.status == 409:  # the books hold this reference already
                raise AlreadyPosted(f"{document.natural_key}: already in the books") from None
            raise
        return _posted(response.json())

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        rows = self.http.request("GET", "journals", params={"reference": natural_key}).json()
        return _posted(rows["journals"][0]) if rows["journals"] else None

    def read_page(self, kind: str, since: datetime, cursor: Cursor | None) -> ReadPage:
        page = int(cursor or 1)
        params = {"since": since.date().isoformat(), "page": page, "per_page": self.page_size}
        rows = self.http.request("GET", "journals", params=params).json()["journals"]
        more = len(rows) == self.page_size
        return [_posted(row) for row in rows], (page + 1 if more else None)

    def list_accounts(self) -> Sequence[LedgerAccount]:
        rows = self.http.request("GET", "accounts").json()["accounts"]
        return [LedgerAccount(str(a["code"]), str(a["name"]), "account") for a in rows]

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        rows = self.http.request("GET", "tax_rates").json()["tax_rates"]
        return [LedgerAccount(str(t["code"]), str(t["name"]), "tax_code") for t in rows]


def _posted(row: dict[str, Any]) -> PostedDocument:
    return PostedDocument(
        natural_key=str(row["reference"]),
        external_id=str(row["id"]),
        payload={"total": sum((Decimal(ln["amount"]) for ln in row["lines"]), Decimal(0))},
    )
''')

_BOOKS_CONTRACT = Template('''\
"""The $name books connector passes the books contract kit, against fake books that
answer as the (imaginary) books API documents: replace them with the real API's
examples as you change the connector."""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

$imports

API = "https://books.$name.example/api/v1"


class FakeBooks:
    def __init__(self) -> None:
        self.journals: list[dict[str, Any]] = []
        self.replies: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> answer
        self.lose_answers = 0

    def install(self, api: responses.RequestsMock) -> None:
        api.add_callback("POST", f"{API}/journals", self.post)
        api.add_callback("GET", f"{API}/journals", self.get)
        chart = [{"code": "1000", "name": "Bank"}, {"code": "1200", "name": "Clearing"}]
        api.add("GET", f"{API}/accounts", json={"accounts": chart})
        api.add("GET", f"{API}/tax_rates", json={"tax_rates": [{"code": "VAT20", "name": "VAT"}]})

    def post(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        key = request.headers["Idempotency-Key"]
        if key not in self.replies:
            body = json.loads(request.body or "{}")
            row = {**body, "id": str(len(self.journals) + 1)}
            self.journals.append(row)
            self.replies[key] = row
        if self.lose_answers:
            self.lose_answers -= 1
            raise requests.ConnectionError("connection reset by peer")
        return 201, {}, json.dumps(self.replies[key])

    def get(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url or "").query).items()}
        rows = [j for j in self.journals if j["date"] >= query.get("since", "")]
        if "reference" in query:
            rows = [j for j in rows if j["reference"] == query["reference"]]
        else:
            size, page = int(query["per_page"]), int(query["page"])
            rows = rows[(page - 1) * size : page * size]
        return 200, {}, json.dumps({"journals": rows})


class Test${cls}Contract(BooksContract):
    connector_class = ${cls}Connector
    config: ClassVar[dict[str, Any]] = {"api_url": API, "api_token": "token-test-1234"}
    accounts = ("1000", "1200")
    expected_chart = (2, 1)

    @pytest.fixture(autouse=True)
    def fake(self) -> None:
        self.books_fake = FakeBooks()

    def install(self, api: responses.RequestsMock) -> None:
        self.books_fake.install(api)

    def stored_keys(self) -> list[str]:
        return [j["reference"] for j in self.books_fake.journals]

    def lose_next_answer(self, attempts: int) -> bool:
        self.books_fake.lose_answers = attempts
        return True

    def throttle_next(self, api: responses.RequestsMock, seconds: int) -> bool:
        api.add("POST", f"{API}/journals", status=429, headers={"Retry-After": str(seconds)})
        return True
''')


@dataclass(frozen=True)
class Scaffold:
    package_dir: Path
    test_file: Path
    entry_point: str  # the line to add under [project.entry-points."hub.connectors"]


KINDS = ("storefront", "books")


def generate(
    name: str,
    root: Path,
    package: str | None = None,
    tests_dir: str = "tests/contract",
    kind: str = "storefront",
) -> Scaffold:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ValueError(f"connector name {name!r}: use lowercase letters, digits, underscores")
    if kind not in KINDS:
        raise ValueError(f"connector kind {kind!r}: use one of {', '.join(KINDS)}")
    books = kind == "books"
    home = "connectors.accounting" if books else "connectors.shop_platforms"
    package = package or f"{home}.{name}"
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
    kit = ["from connectors.testing import BooksContract"] if books else [
        "from connectors.testing import StorefrontContract",
        "from connectors.toolkit import hmac_sha256_base64",
    ]  # fmt: skip
    words["imports"] = "\n".join(sorted([*kit, f"from {package} import {words['cls']}Connector"]))
    words["what"] = "books" if books else "storefront"
    package_dir.mkdir(parents=True)
    (package_dir / "__init__.py").write_text(_INIT.substitute(words))
    connector, contract = (_BOOKS_CONNECTOR, _BOOKS_CONTRACT) if books else (_CONNECTOR, _CONTRACT)
    (package_dir / "connector.py").write_text(connector.substitute(words))
    if not books:
        (package_dir / "mapper.py").write_text(_MAPPER.substitute(words))
    test_file.parent.mkdir(parents=True, exist_ok=True)
    test_file.write_text(contract.substitute(words))
    entry = f'{name} = "{package}:{words["cls"]}Connector"'
    return Scaffold(package_dir, test_file, entry)
