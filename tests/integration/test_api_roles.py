"""Roles and tenancy over the whole route table: every /api/v1 route has a rule and a
sample request; each role is refused exactly what its grants leave out, a refusal changes
nothing; tenant A's tokens neither see nor change anything of tenant B."""

from __future__ import annotations

import pytest

from hub.api.v1.policy import GRANTS, RULES
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.operator_setup import World, fingerprint, samples, world

_worlds: dict[str, World] = {}


def _world(db: Database) -> World:
    # One pair of tenants per backend: a refusal changes nothing, and a granted call is
    # only checked for not being refused, so the tests may share it.
    if db.backend not in _worlds:
        _worlds[db.backend] = world(db)
    return _worlds[db.backend]


def _api_routes(w: World) -> set[tuple[str, str]]:
    paths = w.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    }


def test_every_api_route_has_an_access_rule_and_a_sample_request(db: Database) -> None:
    w = _world(db)
    routes = _api_routes(w)
    assert routes - set(RULES) == set(), "routes without a rule in hub/api/v1/policy.py"
    assert set(RULES) - routes == set(), "rules for routes that do not exist"
    assert set(samples(w.a)) == routes, "routes without a sample in operator_setup.samples"


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_is_refused_what_it_may_not_do_and_a_refusal_changes_nothing(
    db: Database, route: tuple[str, str], role: Role
) -> None:
    w = _world(db)
    url, body = samples(w.a)[route]
    before = fingerprint(db, w.a.id)
    response = w.call(w.a.tokens[role], route[0], url, body)
    if RULES[route] in GRANTS[role]:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 403
        assert fingerprint(db, w.a.id) == before


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda r: f"{r[0]} {r[1]}")
def test_tenant_a_admin_neither_sees_nor_changes_anything_of_tenant_b(
    db: Database, route: tuple[str, str]
) -> None:
    w = _world(db)
    url, body = samples(w.b)[route]  # aimed at B's ids, names are the same in both
    before = fingerprint(db, w.b.id)
    response = w.call(w.a.tokens[Role.ADMIN], route[0], url, body)
    assert w.b.marker not in response.text
    # An id of tenant B is not found for tenant A; a name is the same in both tenants, so
    # it may find A's own record (B's stays unchanged: the fingerprint below).
    if "{" in route[1]:
        named = "{name}" in route[1] or "{number}" in route[1]  # a PO number is a name
        assert response.status_code == 404 or named, response.text
    assert fingerprint(db, w.b.id) == before


def test_no_token_malformed_unknown_and_expired_tokens_are_401_problems(db: Database) -> None:
    from datetime import timedelta

    from hub.domain.clock import utcnow
    from hub.services import tokens

    w = _world(db)
    with db.uow(w.a.id) as uow:
        expired = tokens.create_token(
            uow.session,
            w.a.id,
            "old",
            "admin",
            expires_in=timedelta(days=1),
            now=utcnow() - timedelta(days=1, seconds=1),
        )
        uow.commit()
    before = fingerprint(db, w.a.id)
    scrap = samples(w.a)[("POST", "/api/v1/stock/scrap")]
    for token, headers, reason in [
        (None, {}, "no API token"),
        (None, {"Authorization": "Basic dXNlcjpwdw=="}, "malformed Authorization"),
        ("not-a-hub-token", {}, "malformed token"),
        ("hub_" + "x" * 43, {}, "unknown token"),
        (expired, {}, "token expired"),
    ]:
        response = w.call(token, "POST", scrap[0], scrap[1], **headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert reason in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    assert fingerprint(db, w.a.id) == before


def test_a_revoked_token_is_refused_and_authentication_comes_before_validation(
    db: Database,
) -> None:
    from hub.services import tokens

    w = _world(db)
    with db.uow(w.a.id) as uow:
        value = tokens.create_token(uow.session, w.a.id, "leaver", "operations")
        [row] = [t for t in tokens.list_tokens(uow.session, w.a.id) if t["name"] == "leaver"]
        uow.commit()
    assert w.call(value, "GET", "/api/v1/orders").status_code == 200
    with db.uow(w.a.id) as uow:
        tokens.revoke_token(uow.session, w.a.id, row["id"])
        uow.commit()
    refused = w.call(value, "GET", "/api/v1/orders")
    assert (refused.status_code, refused.json()["detail"]) == (401, "token revoked")
    # No token and a bad filter: the caller learns nothing but "authenticate first".
    assert w.call(None, "GET", "/api/v1/orders?status=bogus&limit=0").status_code == 401


def test_tokens_are_stored_only_as_hashes(db: Database) -> None:
    w = _world(db)
    dump = repr(fingerprint(db, w.a.id))
    assert all(token not in dump for token in w.a.tokens.values())
