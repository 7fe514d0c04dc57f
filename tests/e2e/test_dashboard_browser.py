"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): log in
with a token, read the overview, stock, an order, the error queue and reconciliation,
act (approve, replay), and save a screenshot of every page under test-artifacts/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import update

from hub.db import tables as t
from hub.domain.clock import utcnow
from hub.services import inventory
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import World, world

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(db: Database) -> Iterator[tuple[World, str]]:
    w = world(db)
    with db.uow(w.a.id) as uow:  # orders in the last hours, for the chart
        for hours_ago, order_id in (
            (1, w.a.ids["held"]),
            (3, w.a.ids["held2"]),
            (3, w.a.ids["allocated"]),
        ):
            uow.session.execute(
                update(t.orders)
                .where(t.orders.c.id == order_id)
                .values(placed_at=utcnow() - timedelta(hours=hours_ago))
            )
        uow.commit()
    inventory.set_safety_stock(db.uow(w.a.id), "BER", "SKU-B", 5)  # 3 on hand: low
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(w.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield w, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run scripts/browser.sh")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _login(browser: Browser, base: str, token: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/dashboard/")
    expect(page).to_have_url(f"{base}/dashboard/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/dashboard/")
    return page


def _shot(page: Page, db: Database, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{db.backend}-{name}.png"), full_page=True)


def test_operations_staff_see_the_overview_and_stock_and_approve_and_replay(
    served: tuple[World, str], browser: Browser, db: Database
) -> None:
    w, base = served
    login = browser.new_page()
    login.goto(f"{base}/dashboard/login")
    login.fill("input[name=token]", "hub_wrong")
    login.click("button[type=submit]")
    expect(login.locator("[role=alert]")).to_contain_text("unknown token")
    _shot(login, db, "login-refused")

    page = _login(browser, base, w.a.tokens[Role.OPERATIONS])
    expect(page.locator("#held")).to_have_text("2")
    expect(page.locator("#open-errors")).to_have_text("1")
    assert page.locator("#orders-chart rect").count() == 2  # two hours with orders
    expect(page.locator("#channels")).to_contain_text("web")
    assert "Reconciliation" not in page.locator("nav").inner_text()  # no books:read
    assert w.b.marker not in page.content()
    _shot(page, db, "overview")

    page.click("text=Stock")
    low = page.locator("#stock tr.low")
    expect(low).to_have_count(1)
    expect(low).to_contain_text("SKU-B")
    _shot(page, db, "stock")

    page.goto(f"{base}/dashboard/orders/{w.a.ids['held']}")
    expect(page.locator("#order-status")).to_have_text("on_hold")
    page.click("#approve")
    expect(page.locator("#order-status")).to_have_text("allocated", timeout=10_000)
    expect(page.locator("#reservations")).to_contain_text("BER")
    _shot(page, db, "order-approved")

    fixed = w.call(
        w.a.tokens[Role.OPERATIONS],
        "PUT",
        "/api/v1/mappings/listings",
        {"channel": "web", "channel_sku": "NO-SUCH-SKU", "sku": "SKU-B"},
    )
    assert fixed.status_code == 200
    page.click("text=Error queue")
    expect(page.locator("#errors")).to_contain_text("unknown SKU")
    _shot(page, db, "errors")
    page.click("#errors button:has-text('Replay')")
    expect(page.locator("#errors")).to_contain_text("the queue is empty", timeout=10_000)
    _shot(page, db, "errors-replayed")


def test_finance_drills_into_reconciliation_and_a_viewer_cannot_replay(
    served: tuple[World, str], browser: Browser, db: Database
) -> None:
    w, base = served
    page = _login(browser, base, w.a.tokens[Role.FINANCE])
    page.click("nav >> text=Reconciliation")
    expect(page.locator("#runs")).to_contain_text("not reconciled")
    _shot(page, db, "reconciliation")
    page.click("#runs a")
    expect(page.locator("#items")).to_contain_text("order:ALFA-missing")
    _shot(page, db, "reconciliation-run")
    page.goto(f"{base}/dashboard/reports?name=fill-rate")
    expect(page.locator("#report")).to_contain_text("web")
    _shot(page, db, "report-fill-rate")

    viewer = _login(browser, base, w.a.tokens[Role.VIEWER])
    viewer.goto(f"{base}/dashboard/errors")
    expect(viewer.locator("#errors")).to_contain_text("unknown SKU")
    expect(viewer.locator("#errors button")).to_have_count(0)
    response = viewer.goto(f"{base}/dashboard/reconciliation")
    assert response is not None and response.status == 403
