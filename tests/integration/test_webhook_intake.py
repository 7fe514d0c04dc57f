"""Webhook intake on SQLite and PostgreSQL: a channel's opened connector is kept a few
seconds (a rotated secret is accepted at once, a revoked one refused once it expires,
never kept with the setting at 0), and a webhook's archive and its intake mark commit in
one transaction, handing a burst of webhooks to one queued run."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.base import WebhookRejected
from hub.db import tables as t
from hub.db.tables_sync import inbox_records, run_triggers
from hub.db.unit_of_work import UnitOfWork
from hub.services import runs, triggers
from hub.services.sync_context import KeptConnectors
from hub.services.triggers import INTAKE
from hub.services.webhooks import WebhookOutcome, receive
from hub.sync_config import SyncSettings
from tests.conftest import Database
from tests.fakes.memshop import DELIVERY_HEADER, SIGNATURE_HEADER, sign, woo_order
from tests.integration.sync_setup import SECRET, SyncShop, sync_shop


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _webhook(s: SyncShop, order_id: int, secret: str, delivery: str) -> WebhookOutcome:
    body = json.dumps(woo_order(order_id, f"2026-11-01T10:00:{order_id:02d}")).encode()
    headers = {SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: delivery}
    return receive(s.ctx, s.channel_id, headers, body)


def _set_secret(s: SyncShop, secret: str) -> None:
    """The merchant rotates (or revokes) the channel's webhook secret."""
    with s.ctx.uow(s.tenant_id) as uow:
        c = t.channels.c
        settings = uow.session.execute(select(c.settings).where(c.id == s.channel_id)).scalar_one()
        connection = dict(settings["connection"], webhook_secret=secret)
        uow.session.execute(
            update(t.channels)
            .where(c.id == s.channel_id)
            .values(settings=dict(settings, connection=connection))
        )
        uow.commit()


def _kept_shop(
    db: Database, tenant: Callable[[], UnitOfWork], ttl: float
) -> tuple[SyncShop, Seconds]:
    s = sync_shop(
        db, tenant, {("BER", "SKU-A"): 50}, settings=SyncSettings(webhook_connector_ttl=ttl)
    )
    clock = Seconds()
    s.ctx.kept = KeptConnectors(clock)
    return s, clock


def test_a_rotated_secret_is_accepted_at_once_and_the_old_one_then_refused(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s, _ = _kept_shop(db, tenant, ttl=10.0)
    assert _webhook(s, 1, SECRET, "r-1").outcome == "accepted"  # opens and keeps it
    _set_secret(s, "whsec-rotated")
    # The kept connector refuses the new signature; the stored connection accepts it.
    assert _webhook(s, 2, "whsec-rotated", "r-2").outcome == "accepted"
    with pytest.raises(WebhookRejected):  # and the connector kept now is the new one
        _webhook(s, 3, SECRET, "r-3")
    assert s.count(inbox_records) == 2


def test_a_revoked_secret_is_refused_once_the_kept_connector_expires(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s, clock = _kept_shop(db, tenant, ttl=10.0)
    assert _webhook(s, 1, SECRET, "v-1").outcome == "accepted"
    _set_secret(s, "whsec-after-a-leak")
    clock.now += 9.0  # inside the documented window the old secret still verifies
    assert _webhook(s, 2, SECRET, "v-2").outcome == "accepted"
    clock.now += 1.0
    with pytest.raises(WebhookRejected):
        _webhook(s, 3, SECRET, "v-3")


def test_with_the_setting_at_zero_every_webhook_is_checked_against_the_stored_secret(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s, _ = _kept_shop(db, tenant, ttl=0.0)
    assert _webhook(s, 1, SECRET, "z-1").outcome == "accepted"
    assert s.ctx.kept.get(s.channel_id) is None
    _set_secret(s, "whsec-after-a-leak")
    with pytest.raises(WebhookRejected):
        _webhook(s, 2, SECRET, "z-2")


@dataclass
class QueueDispatcher:
    """The Celery dispatcher's intake half over a list for a queue: marks the channel's
    intake trigger in the archive's transaction, enqueues after commit."""

    s: SyncShop
    queued: list[tuple[str, int, int, float]] = field(default_factory=list)
    fail_after_marking: bool = False

    def enqueue(self, kind: str, tenant_id: int, channel_id: int, delay: float) -> None:
        self.queued.append((kind, tenant_id, channel_id, delay))

    def inbox_archived(
        self, session: Session, tenant_id: int, channel_id: int, inbox_ids: Sequence[int]
    ) -> Callable[[], None]:
        hand_on = triggers.mark_intake(self.s.ctx, session, tenant_id, channel_id, self.enqueue)
        if self.fail_after_marking:
            raise RuntimeError("the database went away before the archive committed")
        return hand_on

    def process_inbox(self, tenant_id: int, inbox_ids: Sequence[int]) -> None:
        raise AssertionError("a webhook's records are handed on by inbox_archived")

    def relay(self, tenant_id: int) -> None:
        raise AssertionError("not part of intake")


def _delivered(s: SyncShop, queue: QueueDispatcher, order_id: int, delivery: str) -> WebhookOutcome:
    body = json.dumps(woo_order(order_id, f"2026-11-01T10:00:{order_id:02d}")).encode()
    headers = {SIGNATURE_HEADER: sign(SECRET, body), DELIVERY_HEADER: delivery}
    outcome = receive(s.ctx, s.channel_id, headers, body, queue)
    if outcome.hand_on is not None:
        outcome.hand_on()
    return outcome


def _intake_trigger(s: SyncShop) -> tuple[bool, bool] | None:
    """(dirty, queued) of the channel's intake trigger, None before its first signal."""
    r = run_triggers.c
    with s.ctx.uow(s.tenant_id) as uow:
        row = uow.session.execute(
            select(r.dirty, r.queued_at).where(r.channel_id == s.channel_id, r.kind == INTAKE)
        ).first()
    return None if row is None else (bool(row.dirty), row.queued_at is not None)


def test_a_burst_of_webhooks_is_marked_with_its_archive_and_enqueues_one_run(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    queue = QueueDispatcher(s)
    outcomes = [_delivered(s, queue, n, f"b-{n}") for n in range(1, 6)]
    again = _delivered(s, queue, 1, "b-1")
    assert [o.outcome for o in outcomes] == ["accepted"] * 5
    assert again.outcome == "duplicate" and again.hand_on is None
    delay = s.ctx.settings.intake_wait_ms / 1000
    assert queue.queued == [(INTAKE, s.tenant_id, s.channel_id, delay)]
    assert _intake_trigger(s) == (True, True)
    _, tenant_id, channel_id, _ = queue.queued.pop()
    runs.run_intake(s.ctx, tenant_id, channel_id, queue.enqueue)
    assert s.count(t.orders) == 5
    assert set(s.inbox_statuses()) == {"processed"}
    # Nothing arrived mid-run: no second intake run (the stock it moved goes on to relay).
    assert [kind for kind, *_ in queue.queued] == ["relay"]


def test_an_archive_that_does_not_commit_leaves_no_mark_and_no_record(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 50})
    queue = QueueDispatcher(s, fail_after_marking=True)
    with pytest.raises(RuntimeError):
        _delivered(s, queue, 1, "x-1")
    assert s.count(inbox_records) == 0
    assert _intake_trigger(s) in (None, (False, False))
    assert queue.queued == []
    # The platform retries the delivery; it is not taken for a duplicate.
    queue.fail_after_marking = False
    assert _delivered(s, queue, 1, "x-1").outcome == "accepted"
    assert len(queue.queued) == 1
