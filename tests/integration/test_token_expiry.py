"""A token expires when told to and is listed as what authentication would say of it:
`--expires-days 0` is refused (it used to mean "never"), an expired token is listed as
expired (not active) and refused by the API and by the dashboard alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.services import tokens
from tests.conftest import Database
from tests.integration.operator_setup import world


@pytest.mark.parametrize("expires_in", [timedelta(0), timedelta(days=-1)])
def test_a_token_that_would_never_or_already_have_expired_is_refused(
    db: Database, expires_in: timedelta
) -> None:
    w = world(db)
    with db.uow(w.a.id) as uow, pytest.raises(InvalidValue, match="expires_in"):
        tokens.create_token(uow.session, w.a.id, "zero", "viewer", expires_in=expires_in)


def test_the_token_list_says_expired_revoked_or_active_as_authentication_would(
    db: Database,
) -> None:
    w = world(db)
    day = timedelta(days=1)
    with db.uow(w.a.id) as uow:
        tokens.create_token(uow.session, w.a.id, "fresh", "viewer", expires_in=day)
        tokens.create_token(
            uow.session, w.a.id, "stale", "viewer", expires_in=day, now=utcnow() - 2 * day
        )
        tokens.create_token(uow.session, w.a.id, "forever", "viewer")
        uow.commit()
    with db.uow(w.a.id) as uow:
        listed = {t["name"]: t for t in tokens.list_tokens(uow.session, w.a.id)}
        tokens.revoke_token(uow.session, w.a.id, listed["forever"]["id"])
        uow.commit()
    with db.uow(w.a.id) as uow:
        states = {t["name"]: t["state"] for t in tokens.list_tokens(uow.session, w.a.id)}
        # A day from now the fresh one has expired too: the list follows the clock.
        later = {
            t["name"]: t["state"]
            for t in tokens.list_tokens(uow.session, w.a.id, now=utcnow() + day * 1.5)
        }
    assert (states["fresh"], states["stale"], states["forever"]) == (
        "active",
        "expired",
        "revoked",
    )
    assert later["fresh"] == "expired"


def test_an_expired_token_is_refused_by_the_api_and_sends_the_dashboard_to_login(
    db: Database,
) -> None:
    w = world(db)
    with db.uow(w.a.id) as uow:
        stale = tokens.create_token(
            uow.session,
            w.a.id,
            "stale",
            "admin",
            expires_in=timedelta(hours=1),
            now=utcnow() - timedelta(hours=2),
        )
        uow.commit()
    api = w.call(stale, "GET", "/api/v1/orders")
    assert (api.status_code, api.json()["detail"]) == (401, "token expired")
    w.client.cookies.set("hub_token", stale)
    try:
        page = w.client.get("/dashboard/", follow_redirects=False)
        login = w.client.post("/dashboard/login", data={"token": stale}, follow_redirects=False)
    finally:
        w.client.cookies.clear()
    assert page.status_code in (302, 303, 307) and "/dashboard/login" in page.headers["location"]
    assert "token expired" in login.headers["location"].replace("%20", " ")
