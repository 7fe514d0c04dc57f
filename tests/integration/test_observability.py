"""Metrics at /metrics, JSON logs carrying one correlation id from the API through the
task queue into a connector, and known secrets scrubbed from everything logged."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.toolkit.ratelimit import LocalTokenBucket, RateLimit, acquire
from hub import observability
from hub.services import connections
from hub.services.tokens import Role
from tests.conftest import Database
from tests.fakes import memshop
from tests.integration.operator_setup import World, world


@pytest.fixture
def w(db: Database) -> World:
    return world(db)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log record of the process, as the deployment writes it (JSON, scrubbed)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(observability.JsonFormatter())
    handler.addFilter(observability.SecretScrubber())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _slug(w: World, tenant_id: int) -> str:
    with w.db.uow() as uow:
        return next(t.slug for t in uow.tenants.list() if t.id == tenant_id)


def test_metrics_report_orders_errors_reconciliation_and_allocation_latency(w: World) -> None:
    slug = _slug(w, w.a.id)
    before = _samples(w.client.get("/metrics").text)
    approved = w.call(
        w.a.tokens[Role.ADMIN], "POST", f"/api/v1/orders/{w.a.ids['held']}/approve", {}
    )
    assert approved.status_code == 200
    after = _samples(w.client.get("/metrics").text)
    tenant = ("tenant", slug)
    assert after[("hub_orders_ingested_total", (("channel", "web"), tenant))] == 3
    assert after[("hub_error_queue_depth", (("stage", "map"), tenant))] == 1
    assert after[("hub_reconciliation_ok", (("kind", "stock"), tenant))] == 0
    assert ("hub_push_lag_seconds", ()) in after
    count = ("hub_allocation_seconds_count", ())
    assert after[count] == before.get(count, 0) + 1


def test_rate_budget_waits_are_counted() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = LocalTokenBucket("test:budget", RateLimit(capacity=1, rate=10), clock=lambda: now[0])
    name = ("hub_rate_budget_waits_total", (("budget", "test:budget"),))
    from prometheus_client import REGISTRY, generate_latest

    before = _samples(generate_latest(REGISTRY).decode()).get(name, 0)
    acquire(bucket, sleep=sleep)
    acquire(bucket, sleep=sleep)  # the bucket is empty now: one wait of 0.1 s
    after = _samples(generate_latest(REGISTRY).decode())[name]
    assert slept and after == before + len(slept)


def test_one_correlation_id_follows_a_request_into_the_task_and_the_connector(
    w: World, captured: io.StringIO
) -> None:
    response = w.call(
        w.a.tokens[Role.VIEWER], "GET", "/api/v1/orders", **{"X-Request-ID": "req-abc123"}
    )
    assert response.headers["x-request-id"] == "req-abc123"
    # Inside the request the id is bound; Celery's publish signal copies it into the
    # message headers, the worker's prerun signal binds it again for the connector.
    observability.reset("req-abc123")
    headers: dict[str, object] = {}
    observability._publish(headers=headers)
    observability.reset(None)
    task = SimpleNamespace(name="hub.tasks.pull_channel", request=SimpleNamespace(**headers))
    observability._prerun(task=task)
    logging.getLogger("connectors.shop_platforms.test").info("fetched page 1")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    api = [x for x in lines if x["logger"] == "hub.api" and "/api/v1/orders" in x["message"]]
    connector = [x for x in lines if x["logger"] == "connectors.shop_platforms.test"]
    assert api[0]["correlation_id"] == "req-abc123"
    assert connector[0]["correlation_id"] == "req-abc123"
    assert connector[0]["task"] == "hub.tasks.pull_channel"


def test_known_secrets_never_reach_the_logs(w: World, captured: io.StringIO) -> None:
    secret = "whsec-Sup3r-s3cret-value"
    created = w.call(
        w.a.tokens[Role.ADMIN],
        "POST",
        "/api/v1/connections",
        {
            "connector": "memshop",
            "display_name": "logged",
            "values": {"shop": "s", "webhook_secret": secret},
        },
    )
    config = connections.load_config(
        w.db.uow(w.a.id), w.hub.secret_box, memshop.registry(), created.json()["id"]
    )
    assert config.webhook_secret.get_secret_value() == secret  # type: ignore[attr-defined]
    log = logging.getLogger("connectors.shop_platforms.memshop")
    log.info("calling the shop with %s", secret)
    log.warning("retrying: access_token=%s page=2", "tok-only-in-this-line")
    try:
        raise RuntimeError(f"401 from shop, sent secret {secret}")
    except RuntimeError:
        log.exception("request failed")
    token = w.a.tokens[Role.ADMIN]
    logging.getLogger("hub.api").info("Authorization: Bearer %s", token)
    text = captured.getvalue()
    assert "calling the shop with ***" in text
    for value in (secret, "tok-only-in-this-line", token):
        assert value not in text
