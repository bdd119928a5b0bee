"""The authorisation matrix, generated from the app's routes: every route × role × relationship case.

Each route declares its policy action (`authorise(action)` or `agency_caller`); a route that declares none, or an
action the policy does not know, fails here. Runs once, on SQLite (the policy's SQL is tested on both databases
in test_policy_matrix.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from reachable.access import service as access
from reachable.access.models import AuditEvent
from reachable.api.app import create_app
from reachable.api.deps import route_action
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from tests.access.world import CASES, INTEL_MARK, NAMES, World, build, expected_child

ROLES = (*access.ROLES, *access.TOKEN_ROLES)
# 422 counts as refused: FastAPI may validate a malformed request before the guard runs; nothing is returned.
DENIED = (401, 403, 404, 422)


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[TestClient, World, Any]]:
    engine = make_engine("sqlite://")
    metadata().create_all(engine)
    factory = session_factory(engine)
    with factory() as session:
        areas.load_reference_areas(session)
        world = build(session)
        session.commit()
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as client:
        yield client, world, factory
    engine.dispose()


@dataclass(frozen=True)
class Route:
    """One mounted API route: its full path, methods and the route object (with its dependencies)."""

    path: str
    methods: frozenset[str]
    original: APIRoute


def api_routes() -> list[Route]:
    """Every API route of the app, flattened through included routers (FastAPI includes lazily)."""
    app = create_app(Settings(database_url="sqlite://"), engine=make_engine("sqlite://"))
    found = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute):
            found.append(Route(str(context.path), frozenset(context.methods or original.methods), original))
    return found


def declared(route: Route) -> str | None:
    return getattr(route.original.endpoint, "policy_action", None) or route_action(route.original.dependant)


def _bearer(factory: Any, world: World, role: str) -> dict[str, str]:
    if role.startswith("token:"):
        return {"Authorization": f"Bearer {world.tokens[role]}"}
    with factory() as session:
        user = access.get_user(session, user_id=world.users[role])
        token = access.start_session(session, user=user).token
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _call(client: TestClient, route: Route, path: str, headers: dict[str, str]) -> Any:
    method = sorted(route.methods - {"HEAD", "OPTIONS"})[0]
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, path, **kwargs)


def test_every_route_declares_a_known_policy_action() -> None:
    problems = []
    for route in api_routes():
        action = declared(route)
        if action is None:
            problems.append(f"{sorted(route.methods)} {route.path}: declares no policy action")
        elif action not in access.ACTIONS:
            problems.append(f"{route.path}: action {action!r} is not in the policy catalogue")
        elif "{child_id}" in route.path and access.ACTIONS[action].scope not in ("child", "discovery"):
            problems.append(f"{route.path}: a child's route must declare a child-scoped action, not {action!r}")
    assert problems == []
    assert len(api_routes()) > 20


@pytest.mark.parametrize("extent", ["sampled", pytest.param("full", marks=pytest.mark.slow)])
def test_matrix_route_role_case(env: tuple[TestClient, World, Any], extent: str) -> None:
    """Sampled (default run): every route × role, and every child route × case with a rotating role; full
    (`-m slow`): every route × role × case."""
    if extent == "full" and os.environ.get("REACHABLE_FULL_MATRIX") != "1":
        pytest.skip("the full matrix (~3,000 calls) runs with REACHABLE_FULL_MATRIX=1")
    client, world, factory = env
    leaks: list[str] = []
    cells = 0
    headers = {role: _bearer(factory, world, role) for role in ROLES if role in world.tokens or
               not role.startswith("token:")}
    roles = list(headers)
    # Web pages answer in HTML with CSRF and redirects; their policy calls are tested in tests/web.
    for index, route in enumerate(r for r in api_routes() if r.path.startswith("/api/")):
        action = declared(route) or ""
        spec = access.ACTIONS.get(action)
        if spec is None:
            continue  # reported by test_every_route_declares_a_known_policy_action
        child_route = "{child_id}" in route.path
        cases = CASES if child_route else ("none",)
        for role_index, role in enumerate(roles):
            for case_index, case in enumerate(cases):
                if extent == "sampled" and case_index and (index + case_index) % len(roles) != role_index:
                    continue
                path = route.path.replace("{child_id}", str(world.children.get(case, 0)))
                path = re.sub(r"\{[a-z_]+\}", "999999", path)
                sent = headers[role]
                if route.path.endswith("/logout"):
                    sent = _bearer(factory, world, role)  # a throwaway session: logout really ends it
                response = _call(client, route, path, sent)
                cells += 1
                if spec.scope == "public":
                    allowed = True
                elif spec.scope == "child" and child_route:
                    allowed = expected_child(action, role, case)
                else:
                    allowed = role in spec.roles
                where = f"{route.path} {action} {role} {case}: {response.status_code}"
                if allowed and response.status_code in (401, 403):
                    leaks.append(f"wrongly refused {where} {response.text[:120]}")
                elif not allowed and response.status_code not in DENIED:
                    leaks.append(f"LEAK {where}")
                if not allowed and child_route and NAMES.get(case, "@@") in response.text:
                    leaks.append(f"LEAK of the child's name {where}")
                if case == "compartment" and INTEL_MARK in response.text and not role.startswith("police"):
                    leaks.append(f"LEAK of police intelligence {where}")
    assert leaks == []
    assert cells > (2500 if extent == "full" else 500)


def test_refusals_are_audited(env: tuple[TestClient, World, Any]) -> None:
    client, world, factory = env
    child = world.children["other_area"]
    assert client.get(f"/api/v1/children/{child}",
                      headers=_bearer(factory, world, "social_worker")).status_code == 403
    with factory() as session:
        row = session.scalar(select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.child_id == child)
                             .order_by(AuditEvent.id.desc()).limit(1))
        assert row is not None and "no legitimate relationship" in (row.justification or "")
        assert access.verify_chain(session) == []


def test_every_personal_data_read_writes_an_audit_row_with_justification(
        env: tuple[TestClient, World, Any]) -> None:
    client, world, factory = env
    missing = []
    for route in api_routes():
        spec = access.ACTIONS.get(declared(route) or "")
        if spec is None or "GET" not in route.methods or "{child_id}" not in route.path or spec.audit is None:
            continue
        role = "social_worker" if "social_worker" in spec.roles else spec.roles[0]
        child = world.children["own_area"]
        with factory() as session:
            before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
        response = client.get(route.path.replace("{child_id}", str(child)),
                              headers=_bearer(factory, world, role))
        assert response.status_code == 200, (route.path, response.text)
        with factory() as session:
            rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > before,
                                                                 AuditEvent.child_id == child)))
        if not rows or not all(row.justification for row in rows):
            missing.append(route.path)
    assert missing == []


def test_session_route_and_audit_tamper_detected(env: tuple[TestClient, World, Any]) -> None:
    _client, _world, factory = env
    with factory() as session:
        session.execute(AuditEvent.__table__.update().where(AuditEvent.id == 2).values(origin="x"))
        session.commit()
    with factory() as session:
        problems = access.verify_chain(session)
        assert problems and "row 2" in problems[0]
        session.execute(AuditEvent.__table__.update().where(AuditEvent.id == 2).values(origin=None))
        session.commit()
        assert access.verify_chain(session) == []


