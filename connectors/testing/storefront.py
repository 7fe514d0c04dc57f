"""The storefront contract: the behaviour every storefront connector must show.

Use it from a test module::

    class TestAcmeContract(StorefrontContract):
        connector_class = AcmeConnector
        config = {"store_url": "https://acme.example", "api_key": "k-123"}

        def order_payload(self, n): ...          # a valid order, unique per n
        def malformed_order_payload(self): ...   # one the connector must skip
        def sign_webhook(self, body): ...        # headers of a genuine delivery
        def stock_items(self, request_json): ... # the items inside one batch call
        def stock_push_response(self, request_json): ...  # the platform's answer

The platform is faked at the HTTP edge with ``responses``; list pages are served in
the connector's own pagination style (see :mod:`connectors.testing.pages`).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from pydantic import SecretStr
from requests import PreparedRequest

from connectors.base import (
    Capability,
    FatalConfigurationError,
    PaginationLoop,
    RetriableError,
    StockLevelUpdate,
    WebhookRejected,
)
from connectors.testing.pages import PageServer
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.oauth import InMemoryTokenStore, TokenSet, TokenStore
from connectors.toolkit.ratelimit import LocalRateBudgets, RateBudget, RateLimit
from connectors.toolkit.rest import RestStorefrontConnector
from hub.domain.errors import DomainError
from hub.domain.orders import Order
from mapping.mapper import Context

SINCE = datetime(2025, 1, 1, tzinfo=UTC)


class _Unmetered(LocalRateBudgets):
    """The contract is about retries, not pacing: a bucket that never runs dry."""

    def budget(self, connection_key: str, family: str, limit: RateLimit) -> RateBudget:
        return super().budget(connection_key, family, RateLimit(capacity=10**9, rate=10**9))


class StorefrontContract:
    connector_class: ClassVar[type[RestStorefrontConnector[Any]]]
    config: ClassVar[dict[str, Any]]
    # OAuth2 connectors: where a refresh goes, and what it answers.
    token_url: ClassVar[str | None] = None
    token_reply: ClassVar[dict[str, Any]] = {
        "access_token": "fresh-access-token",
        "token_type": "bearer",
        "expires_in": 3600,
    }

    # ---- what the integrator provides -----------------------------------------------

    def order_payload(self, n: int) -> dict[str, Any]:
        raise NotImplementedError

    def malformed_order_payload(self) -> Any:
        raise NotImplementedError

    def sign_webhook(self, body: bytes) -> dict[str, str]:
        raise NotImplementedError

    def stock_items(self, request_json: Any) -> Sequence[Any]:
        raise NotImplementedError

    def stock_push_response(self, request_json: Any) -> Any:
        raise NotImplementedError

    def stock_update(self, n: int) -> StockLevelUpdate:
        return StockLevelUpdate(listing_id=str(1000 + n), quantity=n % 7)

    def token_store(self) -> TokenStore:
        """Tokens for OAuth2 connectors: fresh for a day, so no token call is needed."""
        far = datetime.now(UTC) + timedelta(days=1)
        return InMemoryTokenStore(
            TokenSet(SecretStr("test-access"), SecretStr("test-refresh"), far)
        )

    def serve_orders_page(self, pages: Sequence[Sequence[Any]], loop: bool = False) -> Any:
        """A responses callback serving ``pages``; override for a custom paginator."""
        return PageServer(self.connector_class.orders, pages, loop)

    # ---- fixtures ---------------------------------------------------------------------

    @pytest.fixture
    def sleeps(self) -> list[float]:
        return []

    @pytest.fixture
    def connector(self, sleeps: list[float]) -> RestStorefrontConnector[Any]:
        config = self.connector_class.config_model.model_validate(self.config)
        context = ConnectorContext(
            connection_key=f"contract-{uuid.uuid4().hex[:8]}",
            budgets=_Unmetered(),
            token_store=self.token_store(),
            sleep=sleeps.append,
        )
        return self.connector_class(config, context)

    @pytest.fixture
    def api(self) -> Iterator[responses.RequestsMock]:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
            yield mock

    def orders_url(self, connector: RestStorefrontConnector[Any]) -> re.Pattern[str]:
        url = connector.http.url(connector.orders.path)
        return re.compile(re.escape(url) + r"(\?.*)?$")

    def serve(self, api: responses.RequestsMock, connector: Any, *pages: list[Any]) -> None:
        api.add_callback(
            connector.orders.method, self.orders_url(connector), self.serve_orders_page(pages)
        )

    def pull(self, connector: RestStorefrontConnector[Any], resume: str | None = None) -> list[Any]:
        return list(connector.iter_order_pages(SINCE, resume))

    # ---- pulling ----------------------------------------------------------------------

    def test_reads_every_page_in_order(self, connector: Any, api: Any) -> None:
        pages = [[self.order_payload(n) for n in range(i * 3, i * 3 + 3)] for i in range(3)]
        self.serve(api, connector, *pages)
        got = self.pull(connector)
        expected = [connector.to_record(o).external_id for page in pages for o in page]
        assert [r.external_id for p in got for r in p.records] == expected
        assert len(api.calls) == 3
        assert got[-1].resume is None and all(p.resume for p in got[:-1])

    def test_resumes_after_the_last_committed_page(self, connector: Any, api: Any) -> None:
        pages = [[self.order_payload(n)] for n in range(3)]
        self.serve(api, connector, *pages)
        first = next(iter(connector.iter_order_pages(SINCE)))
        rest = self.pull(connector, resume=first.resume)
        ids = [r.external_id for p in rest for r in p.records]
        assert ids == [connector.to_record(pages[n][0]).external_id for n in (1, 2)]

    def test_a_pagination_loop_is_detected(self, connector: Any, api: Any) -> None:
        pages = [[self.order_payload(1)], [self.order_payload(2)]]
        api.add_callback(
            connector.orders.method,
            self.orders_url(connector),
            self.serve_orders_page(pages, loop=True),
        )
        with pytest.raises(PaginationLoop):
            self.pull(connector)
        assert len(api.calls) <= 3

    def test_asks_only_for_orders_changed_since(self, connector: Any, api: Any) -> None:
        self.serve(api, connector, [self.order_payload(1)])
        self.pull(connector)
        sent = api.calls[0].request
        wanted = connector.first_request(SINCE)
        query = {k: v[-1] for k, v in parse_qs(urlsplit(sent.url).query).items()}
        assert {k: query.get(k) for k in wanted.params} == {
            k: str(v) for k, v in wanted.params.items()
        }
        if wanted.json is not None:
            assert json.loads(sent.body) == wanted.json

    def test_a_malformed_record_is_skipped_and_the_page_goes_on(
        self, connector: Any, api: Any
    ) -> None:
        good = [self.order_payload(1), self.order_payload(2)]
        self.serve(api, connector, [good[0], self.malformed_order_payload(), good[1]])
        (page,) = self.pull(connector)
        assert [r.external_id for r in page.records] == [
            connector.to_record(o).external_id for o in good
        ]
        assert len(page.skipped) == 1
        assert page.skipped[0].field and page.skipped[0].reason

    # ---- failures ---------------------------------------------------------------------

    @pytest.mark.parametrize("retry_after", ["7", "http-date"])
    def test_429_waits_as_long_as_retry_after_says(
        self, connector: Any, api: Any, sleeps: list[float], retry_after: str
    ) -> None:
        if retry_after == "http-date":
            retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
        api.add(
            connector.orders.method,
            self.orders_url(connector),
            status=429,
            headers={"Retry-After": retry_after},
        )
        self.serve(api, connector, [self.order_payload(1)])
        (page,) = self.pull(connector)
        assert len(page.records) == 1
        assert len(sleeps) == 1
        assert sleeps[0] == 7.0 if retry_after == "7" else 10.0 < sleeps[0] <= 20.0

    def test_a_5xx_is_retried(self, connector: Any, api: Any, sleeps: list[float]) -> None:
        api.add(connector.orders.method, self.orders_url(connector), status=503)
        self.serve(api, connector, [self.order_payload(1)])
        (page,) = self.pull(connector)
        assert len(page.records) == 1 and len(api.calls) == 2 and len(sleeps) == 1

    def test_persistent_5xx_ends_as_a_retriable_error(self, connector: Any, api: Any) -> None:
        api.add(connector.orders.method, self.orders_url(connector), status=500)
        with pytest.raises(RetriableError):
            self.pull(connector)
        assert len(api.calls) == connector.http.max_attempts

    def test_401_is_fatal_and_not_retried(self, connector: Any, api: Any) -> None:
        # An OAuth2 connector (``token_url`` set) refreshes once and replays once first.
        if self.token_url:
            api.add("POST", self.token_url, json=self.token_reply)
            api.add(connector.orders.method, self.orders_url(connector), status=401, json={})
        api.add(connector.orders.method, self.orders_url(connector), status=401, json={})
        with pytest.raises(FatalConfigurationError):
            self.pull(connector)
        assert len(api.calls) == (3 if self.token_url else 1)
        if self.token_url:
            replayed = api.calls[2].request.headers
            assert any(self.token_reply["access_token"] in v for v in replayed.values())

    def test_secrets_never_reach_logs_or_errors(
        self, connector: Any, api: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        api.add(connector.orders.method, self.orders_url(connector), status=403, json={})
        caplog.set_level(logging.DEBUG)
        with pytest.raises(FatalConfigurationError) as failure:
            self.pull(connector)
        _, secrets = connector.config.split()
        visible = caplog.text + str(failure.value) + repr(connector) + repr(connector.config)
        for value in secrets.values():
            assert str(value) not in visible

    # ---- webhooks ---------------------------------------------------------------------

    def _needs(self, capability: Capability) -> None:
        if capability not in self.connector_class.capabilities:
            pytest.skip(f"{self.connector_class.name} does not declare {capability}")

    def test_a_genuine_webhook_is_parsed(self, connector: Any) -> None:
        self._needs(Capability.WEBHOOKS)
        order = self.order_payload(42)
        body = json.dumps(order).encode()
        delivery = connector.parse_webhook(self.sign_webhook(body), body)
        assert [r.external_id for r in delivery.records] == [connector.to_record(order).external_id]

    # ---- mapping -----------------------------------------------------------------------

    # The channel currency the mapper is given (a platform may state its own).
    channel_currency: ClassVar[str] = "USD"

    def test_maps_what_it_pulls_to_the_unified_order(self, connector: Any, api: Any) -> None:
        """The connector brings its own mapper (map_order): a record it pulled becomes the
        unified order under the same id the sync engine archives it by."""
        self.serve(api, connector, [self.order_payload(1)])
        [page] = self.pull(connector)
        [record] = page.records
        context = Context(1, 1, self.connector_class.name, self.channel_currency)
        order = self.connector_class.map_order(dict(record.payload), context)
        assert isinstance(order, Order)
        assert order.external_id == record.external_id
        assert (order.tenant_id, order.channel_id) == (1, 1)

    def test_a_record_without_its_fields_is_refused_not_crashed_on(self) -> None:
        """What the sync engine turns into an error-queue entry (the rest goes on)."""
        context = Context(1, 1, self.connector_class.name, self.channel_currency)
        with pytest.raises((DomainError, KeyError, TypeError, ValueError)):
            self.connector_class.map_order({}, context)

    def test_a_forged_webhook_is_rejected(self, connector: Any) -> None:
        self._needs(Capability.WEBHOOKS)
        body = json.dumps(self.order_payload(42)).encode()
        headers = self.sign_webhook(body)
        tampered = body.replace(b"42", b"43", 1)
        assert tampered != body
        with pytest.raises(WebhookRejected):
            connector.parse_webhook(headers, tampered)
        unsigned = {k: v for k, v in headers.items() if not re.search("sign|hmac", k, re.I)}
        with pytest.raises(WebhookRejected):
            connector.parse_webhook(unsigned, body)

    # ---- pushing ----------------------------------------------------------------------

    def test_stock_is_pushed_in_batches(self, connector: Any, api: Any) -> None:
        self._needs(Capability.PUSH_STOCK)
        size = connector.stock_batch_size
        updates = [self.stock_update(n) for n in range(2 * size + 1)]
        batches: list[int] = []

        def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
            sent = json.loads(request.body or b"{}")
            batches.append(len(self.stock_items(sent)))
            return 200, {}, json.dumps(self.stock_push_response(sent))

        probe = connector.stock_request(updates[:1])
        api.add_callback(probe.method, re.compile(".*"), answer)
        result = connector.push_stock(updates)
        assert batches == [size, size, 1]
        assert result.calls == 3
        assert sorted(result.accepted) == sorted(u.listing_id for u in updates)
