"""What the operator sees is true: the last successful sync and the last error per
channel and stream (a claimed job is not a sync); error lists paged with the real total;
long reasons shortened in tables and whole in the detail views; the audit total follows
its filters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from connectors.base import RetriableError
from hub.bootstrap import Hub, use_hub
from hub.cli import run
from hub.config import Settings
from hub.db.tables_sync import sync_errors
from hub.db.unit_of_work import UnitOfWork
from hub.domain.clock import utcnow
from hub.services import audit, pull, sync_status
from hub.services.tokens import Role
from tests.conftest import Database
from tests.fakes.memshop import woo_order
from tests.integration.operator_setup import World, world
from tests.integration.sync_setup import sync_shop

LONG = "the mapper refused field total: " + "x" * 10_000
OPEN_ERRORS = 762


def _status(db: Database, tenant_id: int) -> dict[str, dict[str, object]]:
    with db.uow(tenant_id) as uow:
        rows = sync_status.channel_status(uow.session, tenant_id)
    return {str(r["stream"]): r for r in rows}


def test_last_sync_is_the_last_success_and_the_last_error_is_kept_beside_it(
    db: Database, tenant: Callable[[], UnitOfWork]
) -> None:
    s = sync_shop(db, tenant, {("BER", "SKU-A"): 5})
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for n in (1, 2, 3):
        s.platform.put(woo_order(n, recent))
    # The scheduler claiming a pull writes its job cursor; that is not a sync.
    with db.uow(s.tenant_id) as uow:
        channel = pull.load_channel(uow.session, s.channel_id, s.tenant_id)
        pull.save_cursor(
            uow.session, channel, "job:pull", pull.Cursor(utcnow(), None, None), utcnow()
        )
        uow.commit()
    assert set(_status(db, s.tenant_id)) == {"None"}  # the channel, never synced

    pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    ok = _status(db, s.tenant_id)["orders"]
    assert ok["last_success_at"] is not None and ok["last_error_at"] is None

    s.platform.fail_after_pages = s.platform.pages_served  # the next page answers 503
    s.platform.put(woo_order(4, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")))
    with pytest.raises(RetriableError):
        pull.pull(s.ctx, s.dispatcher, s.tenant_id, s.channel_id)
    failed = _status(db, s.tenant_id)["orders"]
    assert failed["last_success_at"] == ok["last_success_at"]  # a failure is not a sync
    assert failed["last_error_at"] is not None
    assert "RetriableError" in str(failed["last_error"]) and "503" in str(failed["last_error"])


@pytest.fixture
def crowded(db: Database) -> World:
    """A tenant with 762 open errors, one of them with a 10,000-character reason."""
    w = world(db)
    now = utcnow()
    rows = [
        {
            "tenant_id": w.a.id,
            "channel_id": None,
            "inbox_id": None,
            "stage": "map",
            "record": f"order {n}",
            "field": "total",
            "reason": LONG if n == 5 else f"reason {n}",
            "attempts": 1,
            "created_at": now,
            "last_attempt_at": now,
        }
        for n in range(OPEN_ERRORS)
    ]
    with db.uow(w.a.id) as uow:
        uow.session.execute(insert(sync_errors), rows)
        uow.commit()
    return w


def _open_total(w: World) -> int:
    body = w.call(w.a.tokens[Role.VIEWER], "GET", "/api/v1/errors?limit=1").json()
    return int(body["total"])


def test_the_dashboard_counts_every_open_error_and_pages_them(crowded: World) -> None:
    w = crowded
    total = _open_total(w)  # the tenant's open errors, the world's own included
    assert total >= OPEN_ERRORS
    w.client.cookies.set("hub_token", w.a.tokens[Role.VIEWER])
    try:
        first = w.client.get("/dashboard/errors").text
        last_page = (total - 1) // 100 + 1
        last = w.client.get(f"/dashboard/errors?page={last_page}").text
    finally:
        w.client.cookies.clear()
    assert f"Error queue ({total} open)" in first
    assert f"showing 1\u2013100 of {total}" in first
    assert f"showing {(last_page - 1) * 100 + 1}\u2013{total} of {total}" in last
    assert LONG not in first and LONG[:100] in first  # shortened in the table


def test_the_error_detail_shows_the_whole_reason_in_the_api_and_the_dashboard(
    crowded: World,
) -> None:
    w = crowded
    token = w.a.tokens[Role.VIEWER]
    page = w.call(token, "GET", "/api/v1/errors?limit=500").json()
    [long] = [e for e in page["items"] if e["reason"] == LONG]
    detail = w.call(token, "GET", f"/api/v1/errors/{long['id']}")
    assert detail.status_code == 200 and detail.json()["reason"] == LONG
    assert w.call(token, "GET", "/api/v1/errors/999999999").status_code == 404
    w.client.cookies.set("hub_token", token)
    try:
        html = w.client.get(f"/dashboard/errors/{long['id']}").text
    finally:
        w.client.cookies.clear()
    assert LONG in html


@pytest.fixture
def cli_hub(db: Database) -> Iterator[None]:
    hub = Hub(Settings(database_url=db.url))
    use_hub(hub)
    yield
    hub.close()
    use_hub(None)


def test_hub_errors_list_says_how_many_and_pages_and_show_prints_the_reason_whole(
    crowded: World, cli_hub: None, capsys: pytest.CaptureFixture[str]
) -> None:
    w = crowded
    with w.db.uow() as uow:
        tenant = next(t.slug for t in uow.tenants.list() if t.id == w.a.id)
    total = _open_total(w)
    assert run(["errors", "list", "--tenant", tenant]) == 0
    out = capsys.readouterr().out
    assert f"showing 1\u2013100 of {total} (next: --page 2)" in out
    assert max(len(line) for line in out.splitlines()) < 400  # one long reason, cut
    assert run(["errors", "list", "--tenant", tenant, "--page", "8", "--limit", "100"]) == 0
    assert f"of {total}" in capsys.readouterr().out
    long_id = next(
        e["id"]
        for e in w.call(w.a.tokens[Role.VIEWER], "GET", "/api/v1/errors?limit=500").json()["items"]
        if e["reason"] == LONG
    )
    assert run(["errors", "show", str(long_id), "--tenant", tenant]) == 0
    assert LONG in capsys.readouterr().out


def test_the_audit_total_counts_what_the_filters_match(db: Database) -> None:
    w = world(db)
    with db.uow(w.a.id) as uow:
        for n in range(3):
            audit.record(uow.session, w.a.id, "test", "probe.one", f"x:{n}", None, {"n": n})
        audit.record(uow.session, w.a.id, "test", "probe.two", "y:1", None, {"n": 9})
        uow.commit()
    token = w.a.tokens[Role.ADMIN]
    body = w.call(token, "GET", "/api/v1/audit?action=probe.one&limit=1").json()
    assert (len(body["items"]), body["total"]) == (1, 3)
    future = (utcnow() + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    later = w.call(token, "GET", f"/api/v1/audit?since={future}").json()
    assert (later["items"], later["total"]) == ([], 0)
