"""Notifications end to end on SQLite and PostgreSQL: each source notifies once per
occurrence, a webhook receiver verifies the signature, a real SMTP server receives the
e-mail, a receiver that keeps failing is retried with backoff and then given up on, and
no secret shows in a view or the log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from hub.config import Settings
from hub.crypto import SecretBox, derive_key
from hub.db import tables as t
from hub.db.outbox import Outbox, OutboxEvent
from hub.db.tables_allocation import outbox_events
from hub.db.tables_notifications import notification_subscriptions
from hub.db.tables_sync import sync_errors
from hub.domain.money import Money
from hub.domain.orders import FinancialStatus, Order, OrderLine, OrderStatus, StatedTotals
from hub.services import catalog, inventory
from hub.services import notifications as notify
from hub.services.inbox import record_error
from hub.services.notification_senders import senders
from hub.services.orders import store_order
from tests.conftest import Database
from tests.integration.factories import UowFactory, workspace
from tests.integration.notify_setup import (
    SmtpServer,
    WebhookReceiver,
    smtp_inbox,
    webhook_receiver,
)

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
BOX = SecretBox([derive_key("notification tests")])


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as rx:
        yield rx


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with smtp_inbox() as server:
        yield server


def _settings(db: Database, smtp: SmtpServer | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": db.url, "notify_backoff_s": 60}
    if smtp is not None:
        values |= {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_from": "hub@shop.test"}
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def _run(tenant: UowFactory, settings: Settings, now: datetime = NOW) -> notify.RunReport:
    return notify.run(tenant, settings, BOX, senders(settings), now)


def _hook(tenant: UowFactory, rx: WebhookReceiver, kinds: list[str] | None = None) -> str:
    added = notify.add_subscription(
        tenant(), BOX, "ops-hook", "webhook", rx.url, kinds or [], actor="test", now=NOW
    )
    assert added.secret is not None
    rx.secret = added.secret
    return added.secret


def _documents(rx: WebhookReceiver) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in rx.received]


def test_low_stock_reaches_a_signed_webhook_and_an_email_once(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver, smtp_server: SmtpServer
) -> None:
    settings = _settings(db, smtp_server)
    workspace(tenant, {("BER", "TENT"): 10})
    inventory.set_safety_stock(tenant(), "BER", "TENT", 0, reorder_point=5)
    _hook(tenant, receiver, ["stock.low"])
    notify.add_subscription(
        tenant(), BOX, "buyer", "email", "Buyer <buyer@shop.test>", ["stock.low"],
        actor="test", now=NOW,
    )  # fmt: skip
    _run(tenant, settings)  # notifications switched on: history is not replayed
    inventory.adjust_to_count(tenant(), "BER", "TENT", 4, actor="test", reason="count")

    report = _run(tenant, settings)
    assert report.detected == {"stock.low": 1}
    assert (report.delivery.sent, report.delivery.failed) == (2, 0)
    [hook] = receiver.received
    assert hook.verified, "the receiver recomputes the HMAC over the raw body"
    assert hook.headers["X-Hub-Event"] == "stock.low"
    [doc] = _documents(receiver)
    assert doc["subject"] == "Low stock: TENT at BER: 4 available (reorder point 5)"
    assert doc["data"]["available"] == 4  # type: ignore[index]
    [mail] = smtp_server.inbox.messages
    assert mail["To"] == "buyer@shop.test"
    assert mail["Subject"] == "[hub] Low stock: TENT at BER: 4 available (reorder point 5)"
    assert smtp_server.inbox.envelopes == [("hub@shop.test", ["buyer@shop.test"])]

    # The next ticks find nothing new: once per occurrence.
    again = _run(tenant, settings, NOW + timedelta(minutes=1))
    assert (again.detected, again.delivery.sent) == ({}, 0)
    assert len(receiver.received) == 1 and len(smtp_server.inbox.messages) == 1
    # Consumed: the stock.low event no longer waits in the outbox.
    with tenant() as uow:
        assert uow.tenant_id is not None
        assert Outbox(uow.session, uow.tenant_id).pending("stock.low") == []
    # Falling further is not a new crossing; rising above and falling again is.
    inventory.adjust_to_count(tenant(), "BER", "TENT", 2, actor="test", reason="count")
    inventory.adjust_to_count(tenant(), "BER", "TENT", 9, actor="test", reason="count")
    inventory.adjust_to_count(tenant(), "BER", "TENT", 3, actor="test", reason="count")
    assert _run(tenant, settings).detected == {"stock.low": 1}


def test_a_tampered_body_fails_the_receivers_check(receiver: WebhookReceiver) -> None:
    from hub.domain.notifications import sign, verify

    body = b'{"kind":"stock.low"}'
    header = sign("s3cret", body)
    assert verify("s3cret", body, header)
    assert not verify("s3cret", body.replace(b"low", b"lot"), header)
    assert not verify("other", body, header)
    assert not verify("s3cret", body, None)


def _near_expiry(tenant: UowFactory, lot: str, expires_on: str, quantity: int) -> None:
    with tenant() as uow:
        assert uow.tenant_id is not None
        payload = {"sku_id": 1, "sku": "GAS", "lot": lot, "warehouse": "BER",
                   "expires_on": expires_on, "quantity": quantity}  # fmt: skip
        Outbox(uow.session, uow.tenant_id).add(
            OutboxEvent("lot.near_expiry", f"lot:{lot}", payload)
        )
        uow.commit()


def test_near_expiry_events_notify_once_per_lot_and_date(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    settings = _settings(db)
    _hook(tenant, receiver)
    _run(tenant, settings)
    _near_expiry(tenant, "L1", "2026-12-20", 12)
    _near_expiry(tenant, "L1", "2026-12-20", 11)  # the daily report repeats the same lot
    _near_expiry(tenant, "L2", "2026-12-22", 3)
    report = _run(tenant, settings)
    assert report.detected == {"lot.near_expiry": 2}
    subjects = sorted(str(d["subject"]) for d in _documents(receiver))
    assert subjects == [
        "Near expiry: lot L1 of GAS at BER expires on 2026-12-20 (12 units)",
        "Near expiry: lot L2 of GAS at BER expires on 2026-12-22 (3 units)",
    ]
    assert all(r.verified for r in receiver.received)
    _near_expiry(tenant, "L2", "2026-12-22", 3)
    assert _run(tenant, settings).detected == {}
    # Left for any other consumer of the topic: notifications only read it.
    with tenant() as uow:
        assert uow.tenant_id is not None
        assert len(Outbox(uow.session, uow.tenant_id).pending("lot.near_expiry")) == 4


def _order(
    tenant: UowFactory,
    external_id: str,
    placed: datetime,
    status: OrderStatus,
    financial: FinancialStatus | None = None,
    stated: StatedTotals | None = None,
) -> int:
    with tenant() as uow:
        tid = uow.tenant_id
        channel_id = uow.channels.by_key("web").id
    assert tid is not None and channel_id is not None
    o = Order(tid, channel_id, external_id, "EUR", placed, number=f"#{external_id}",
              stated_totals=stated)  # fmt: skip
    o.add_line(OrderLine("TENT", 1, Money.of("80.00", "EUR")))
    stored = store_order(tenant(), "web", o)
    assert stored.id is not None
    with tenant() as uow:
        uow.session.execute(
            update(t.orders)
            .where(t.orders.c.id == stored.id)
            .values(status=status, financial_status=financial)
        )
        uow.commit()
    return stored.id


def test_orders_overdue_for_dispatch_notify_once_each_after_the_tenants_hours(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    settings = _settings(db, notify_overdue_hours=48)
    catalog.create_channel(tenant(), "web", "shopify", "EUR")
    _hook(tenant, receiver, ["order.overdue"])
    old = NOW - timedelta(hours=30)
    allocated = _order(tenant, "A", old, OrderStatus.ALLOCATED)
    _order(tenant, "P", old, OrderStatus.BACKORDERED, FinancialStatus.PAID)
    _order(tenant, "S", old, OrderStatus.SHIPPED, FinancialStatus.PAID)
    _order(tenant, "U", old, OrderStatus.READY, FinancialStatus.PENDING)  # not paid, not held
    _order(tenant, "N", NOW - timedelta(hours=2), OrderStatus.ALLOCATED)  # not yet overdue

    assert _run(tenant, settings).detected == {}  # 30 h < the default 48 h
    notify.update_thresholds(tenant(), settings, actor="test", overdue_hours=24)
    report = _run(tenant, settings)
    assert report.detected == {"order.overdue": 2}
    docs = sorted(_documents(receiver), key=lambda d: str(d["subject"]))
    assert [d["subject"] for d in docs] == [
        "Order #A not dispatched 30 h after it was placed (allocated)",
        "Order #P not dispatched 30 h after it was placed (backordered)",
    ]
    assert docs[0]["data"]["order_id"] == allocated  # type: ignore[index]
    assert _run(tenant, settings, NOW + timedelta(hours=1)).detected == {}
    # 0 turns the rule off for this tenant only.
    assert (
        notify.update_thresholds(tenant(), settings, actor="t", overdue_hours=0).overdue_hours == 0
    )


def test_a_totals_mismatch_notifies_once(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    settings = _settings(db)
    catalog.create_channel(tenant(), "web", "shopify", "EUR")
    _hook(tenant, receiver, ["totals.mismatch"])
    stated = StatedTotals(total=Money.of("81.00", "EUR"))
    _order(tenant, "T1", NOW, OrderStatus.READY, stated=stated)
    _order(tenant, "T2", NOW, OrderStatus.READY, stated=StatedTotals(Money.of("80.00", "EUR")))
    report = _run(tenant, settings)
    assert report.detected == {"totals.mismatch": 1}
    [doc] = _documents(receiver)
    assert doc["subject"] == "Totals mismatch: order T1 (#T1) on channel web"
    assert "81.00 EUR (platform)" in str(doc["data"]["reason"])  # type: ignore[index]
    assert _run(tenant, settings).detected == {}


def _errors(tenant: UowFactory, n: int, start: int) -> None:
    with tenant() as uow:
        assert uow.tenant_id is not None
        for i in range(start, start + n):
            record_error(uow.session, uow.tenant_id, None, None, "map", f"rec {i}", "f", "bad")
        uow.commit()


def test_error_queue_growth_notifies_on_crossing_and_per_step_of_growth(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    settings = _settings(db, notify_error_threshold=5, notify_error_growth=3)
    _hook(tenant, receiver, ["errors.growing"])
    _errors(tenant, 2, 0)
    assert _run(tenant, settings).detected == {}  # 2: below both
    _errors(tenant, 3, 2)
    assert _run(tenant, settings).detected == {"errors.growing": 1}  # grown 2 -> 5
    _errors(tenant, 1, 5)
    assert _run(tenant, settings).detected == {"errors.growing": 1}  # 6 > 5: crossed
    assert _run(tenant, settings).detected == {}  # still 6: nothing new
    _errors(tenant, 1, 6)
    assert _run(tenant, settings).detected == {}  # 7: above already, grown 2 < 3
    with tenant() as uow:
        e = sync_errors.c
        first = select(e.id).where(e.tenant_id == uow.tenant_id).order_by(e.id).limit(3)
        uow.session.execute(
            update(sync_errors).where(e.id.in_(first.scalar_subquery())).values(resolved_at=NOW)
        )
        uow.commit()
    assert _run(tenant, settings).detected == {}  # 4: back below, re-armed
    _errors(tenant, 2, 7)
    assert _run(tenant, settings).detected == {"errors.growing": 1}  # 6: crossed again
    assert [d["subject"] for d in _documents(receiver)] == [
        "Error queue: 5 open errors, grown by 3 (limit 3)",
        "Error queue: 6 open errors, above the threshold of 5",
        "Error queue: 6 open errors, above the threshold of 5",
    ]


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    settings = _settings(db, notify_max_attempts=3, notify_backoff_s=60)
    receiver.statuses = [500]
    _hook(tenant, receiver)
    _run(tenant, settings)
    _near_expiry(tenant, "L9", "2026-12-24", 1)
    first = _run(tenant, settings)
    assert (first.delivery.retrying, first.delivery.sent) == (1, 0)
    [entry] = notify.delivery_log(tenant())
    assert (entry.status, entry.attempts, entry.last_error) == (
        "retrying", 1, "webhook answered HTTP 500",
    )  # fmt: skip
    assert entry.next_attempt_at == NOW + timedelta(seconds=60)
    # Not due before its time: a tick in between sends nothing.
    assert _run(tenant, settings, NOW + timedelta(seconds=30)).delivery.retrying == 0
    assert len(receiver.received) == 1
    second = _run(tenant, settings, NOW + timedelta(seconds=60))
    assert second.delivery.retrying == 1
    [entry] = notify.delivery_log(tenant())
    assert entry.next_attempt_at == NOW + timedelta(seconds=60 + 120)  # doubled
    third = _run(tenant, settings, NOW + timedelta(seconds=180))
    assert third.delivery.failed == 1
    [entry] = notify.delivery_log(tenant(), status="failed")
    assert entry.attempts == 3
    assert entry.last_error == "webhook answered HTTP 500 (gave up after 3 attempts)"
    assert _run(tenant, settings, NOW + timedelta(days=1)).delivery.as_dict() == {
        "sent": 0, "retrying": 0, "failed": 0,
    }  # fmt: skip
    assert len(receiver.received) == 3
    assert len({r.headers["X-Hub-Delivery"] for r in receiver.received}) == 1


def test_an_unreachable_smtp_server_is_retried_not_lost(db: Database, tenant: UowFactory) -> None:
    settings = _settings(db, smtp_host="127.0.0.1", smtp_port=1, notify_max_attempts=2)
    notify.add_subscription(tenant(), BOX, "m", "email", "a@shop.test", [], actor="t", now=NOW)
    _run(tenant, settings)
    _near_expiry(tenant, "L1", "2026-12-20", 1)
    assert _run(tenant, settings).delivery.retrying == 1
    [entry] = notify.delivery_log(tenant())
    assert entry.last_error == "SMTP server not reached: ConnectionRefusedError"


def test_the_secret_is_sealed_and_never_shown(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    secret = _hook(tenant, receiver)
    with tenant() as uow:
        stored = uow.session.execute(select(notification_subscriptions.c.secret)).scalars().all()
    assert secret not in " ".join(s or "" for s in stored)
    [view] = notify.list_subscriptions(tenant())
    assert view.signed and secret not in repr(view)
    assert view.target == f"{receiver.url.rsplit('/hooks', 1)[0]}/…"  # the path's token hidden
    entry = notify.send_test(tenant, _settings(db), BOX, senders(_settings(db)), "ops-hook", NOW)
    assert entry.status == "sent" and receiver.received[0].verified
    assert secret not in repr(entry)


@pytest.mark.parametrize(
    ("channel", "target", "kinds", "field"),
    [
        ("sms", "+4912345", [], "channel"),
        ("webhook", "ftp://x.test/", [], "target"),
        ("email", "not-an-address", [], "target"),
        ("email", "a@b.test\r\nBcc: x@y.test", [], "target"),
        ("webhook", "https://x.test/h", ["stock.lo"], "kinds"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(
    tenant: UowFactory, channel: str, target: str, kinds: list[str], field: str
) -> None:
    from hub.domain.errors import InvalidValue

    with pytest.raises(InvalidValue) as refused:
        notify.add_subscription(tenant(), BOX, "x", channel, target, kinds, actor="t", now=NOW)
    assert refused.value.field == field
    assert notify.list_subscriptions(tenant()) == []


def test_deliveries_of_a_removed_subscription_go_with_it(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    _hook(tenant, receiver)
    _run(tenant, _settings(db))
    receiver.statuses = [500]
    _near_expiry(tenant, "L1", "2026-12-20", 1)
    _run(tenant, _settings(db))
    notify.remove_subscription(tenant(), "ops-hook", actor="t")
    assert notify.delivery_log(tenant()) == []
    assert [r.kind for r in notify.recent(tenant())] == ["lot.near_expiry"]
    with tenant() as uow:
        assert uow.session.execute(select(outbox_events.c.id)).first() is not None


def test_the_beat_task_runs_every_tenant(db: Database, receiver: WebhookReceiver) -> None:
    from pydantic import SecretStr

    from hub.bootstrap import Hub, use_hub
    from hub.celery_app import app

    app.loader.import_default_modules()
    assert app.conf.beat_schedule["notifications"]["task"] == "hub.tasks.notify_tick"
    hub = Hub(_settings(db, secret_key=SecretStr("notification tests")))  # BOX's key
    use_hub(hub)
    try:
        tenants = []
        for slug in ("north", "south"):
            made = catalog.create_tenant(db.uow(), f"{slug}-{uuid.uuid4().hex[:8]}", slug)
            tenants.append(lambda tid=made.id: db.uow(tid))
        receiver.secret = "shared-secret"
        for uow in tenants:
            notify.add_subscription(uow(), BOX, "hook", "webhook", receiver.url, [],
                                    secret="shared-secret", actor="t", now=NOW)  # fmt: skip
        app.tasks["hub.tasks.notify_tick"].run()  # switched on
        for i, uow in enumerate(tenants):
            _near_expiry(uow, f"L{i}", "2026-12-20", 1)
        totals = app.tasks["hub.tasks.notify_tick"].run()
        assert totals["sent"] >= 2
        docs = _documents(receiver)
        assert sorted(str(d["subject"])[:20] for d in docs) == [
            "Near expiry: lot L0 ",
            "Near expiry: lot L1 ",
        ]
        assert all(r.verified for r in receiver.received)
    finally:
        hub.close()
        use_hub(None)


def test_the_dashboard_lists_notifications_deliveries_and_subscriptions_without_secrets(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app
    from hub.bootstrap import Hub
    from hub.services import tokens

    secret = _hook(tenant, receiver)
    _run(tenant, _settings(db))
    _near_expiry(tenant, "L7", "2026-12-21", 4)
    receiver.statuses = [503]
    _run(tenant, _settings(db))
    with tenant() as uow:
        assert uow.tenant_id is not None
        token = tokens.create_token(uow.session, uow.tenant_id, "eyes", "viewer")
        uow.commit()
    hub = Hub(_settings(db))
    try:
        client = TestClient(create_app(hub))
        client.cookies.set("hub_token", token)
        page = client.get("/dashboard/notifications")
    finally:
        hub.close()
    assert page.status_code == 200
    html = page.text
    assert "Near expiry: lot L7 of GAS at BER expires on 2026-12-21 (4 units)" in html
    assert "1 retrying" in html and "webhook answered HTTP 503" in html
    assert "ops-hook" in html and "/…" in html
    assert secret not in html and "t0ken-in-path" not in html


def test_retention_drops_finished_deliveries_and_then_their_notifications(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    from hub.services import retention

    _hook(tenant, receiver)
    _run(tenant, _settings(db))
    receiver.statuses = [200, 500]
    _near_expiry(tenant, "OLD-SENT", "2026-12-20", 1)
    _run(tenant, _settings(db))
    _near_expiry(tenant, "OLD-RETRYING", "2026-12-20", 1)
    _run(tenant, _settings(db))
    assert sorted(e.status for e in notify.delivery_log(tenant())) == ["retrying", "sent"]
    settings = _settings(db, retention_notification_days=90)
    assert retention.run(db.uow, settings, now=NOW + timedelta(days=89))["notifications"] >= 0
    assert len(notify.recent(tenant())) == 2  # inside the window: kept
    done = retention.run(db.uow, settings, now=NOW + timedelta(days=91))
    assert done["notification_deliveries"] >= 1 and done["notifications"] >= 1
    [kept] = notify.delivery_log(tenant())
    assert kept.status == "retrying"  # never a delivery still to be made
    assert [r.subject.split()[3] for r in notify.recent(tenant())] == ["OLD-RETRYING"]


def test_two_workers_delivering_at_once_send_each_delivery_once(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    import threading

    from hub.services.notification_delivery import RetryPolicy, deliver_due
    from hub.services.notification_sources import Thresholds, detect

    _hook(tenant, receiver)
    settings = _settings(db)
    _run(tenant, settings)
    for i in range(20):
        _near_expiry(tenant, f"C{i}", "2026-12-20", i)
    with tenant() as uow:
        assert uow.tenant_id is not None
        assert detect(uow.session, uow.tenant_id, Thresholds(0, 0, 0), NOW) == {
            "lot.near_expiry": 20
        }
        uow.commit()
    start = threading.Barrier(2)
    reports = []

    def worker() -> None:
        start.wait()
        reports.append(deliver_due(tenant, BOX, senders(settings), RetryPolicy(), NOW))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 20
    ids = [r.headers["X-Hub-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 20


def test_two_runs_at_once_notify_each_occurrence_once(
    db: Database, tenant: UowFactory, receiver: WebhookReceiver
) -> None:
    import threading

    settings = _settings(db, notify_overdue_hours=1)
    catalog.create_channel(tenant(), "web", "shopify", "EUR")
    _hook(tenant, receiver)
    for i in range(5):
        _order(tenant, f"O{i}", NOW - timedelta(hours=3), OrderStatus.ALLOCATED)
    start = threading.Barrier(2)
    reports: list[notify.RunReport] = []

    def worker() -> None:
        start.wait()
        reports.append(_run(tenant, settings))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2  # neither run failed
    assert sum(r.detected.get("order.overdue", 0) for r in reports) == 5
    assert len(receiver.received) == 5


def test_a_line_break_in_a_platforms_order_number_does_not_break_the_mail(
    db: Database, tenant: UowFactory, smtp_server: SmtpServer
) -> None:
    settings = _settings(db, smtp_server, notify_overdue_hours=1)
    catalog.create_channel(tenant(), "web", "shopify", "EUR")
    notify.add_subscription(tenant(), BOX, "m", "email", "ops@shop.test", [], actor="t", now=NOW)
    order_id = _order(tenant, "X", NOW - timedelta(hours=2), OrderStatus.ALLOCATED)
    with tenant() as uow:
        uow.session.execute(
            update(t.orders)
            .where(t.orders.c.id == order_id)
            .values(number="#1\r\nBcc: x@evil.test")
        )
        uow.commit()
    assert _run(tenant, settings).delivery.sent == 1
    [mail] = smtp_server.inbox.messages
    assert mail["Bcc"] is None
    assert mail["Subject"].startswith("[hub] Order #1 Bcc: x@evil.test not dispatched")
    assert smtp_server.inbox.envelopes == [("hub@shop.test", ["ops@shop.test"])]
