"""API fuzzing with Schemathesis, in-process (ASGI) on SQLite: used by tests/reliability and bench/bench_fuzz.py.

Every operation of the app's OpenAPI document gets generated requests (valid and invalid per the schema), each
sent as one of several callers (demo users of different roles with fresh sessions, agency API tokens). A response
fails when it is a server error (5xx) or breaks the documented schema (body, content type, headers). Status codes
the routes do not document (401/403/404/409 from the policy and domain errors) are expected and not failures.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
from sqlalchemy import Engine, update

from reachable.access import passwords
from reachable.access import service as access
from reachable.access.models import User
from reachable.api.app import create_app
from reachable.api.deps import route_action
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory
from tests.reliability.world import Seeded, seed

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]
USER_ROLES = ("social_worker", "team_manager", "police_officer", "designated_safeguarding_lead", "administrator",
              "data_analyst")
TOKEN_PURPOSES = ("submit_events", "read_children")
CALLERS = (*USER_ROLES, *(f"token:{p}" for p in TOKEN_PURPOSES))


@dataclass
class Finding:
    """One failing response: the operation, the caller, what broke and how to reproduce it."""

    operation: str
    caller: str
    check: str
    message: str
    status: int
    repro: str


@dataclass
class FuzzReport:
    """What one fuzz run did."""

    operations: int = 0
    cases: int = 0
    seconds: float = 0.0
    per_operation: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


@contextlib.contextmanager
def fast_password_hashing() -> Iterator[None]:
    """Cheap Argon2 parameters while fuzzing: sign-in and user creation are fuzzed for errors, not hashing cost."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = original


@dataclass
class Target:
    """The app under test, its store and the callers it knows."""

    app: FastAPI
    engine: Engine
    world: Seeded
    cached: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        """Credentials for a caller: an agency token, or a live session for a demo user."""
        if caller.startswith("token:"):
            return {"Authorization": f"Bearer {self.world.tokens[caller.removeprefix('token:')]}"}
        if caller not in self.cached:
            self.cached[caller] = self.new_session(caller)
        return self.cached[caller]

    def new_session(self, caller: str) -> dict[str, str]:
        """A fresh session for a demo user, re-enabled first (the fuzz may log out or disable users)."""
        with session_factory(self.engine)() as session:
            user_id = self.world.user_ids[caller]
            session.execute(update(User).where(User.id == user_id).values(active=True))
            token = access.start_session(session, user=access.get_user(session, user_id=user_id)).token
            session.commit()
        return {"Authorization": f"Bearer {token}"}


def build_target() -> Target:
    """A seeded in-memory SQLite store and the app on it."""
    engine = make_engine("sqlite://")
    metadata().create_all(engine)
    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        world = seed(session)
        session.commit()
    return Target(create_app(Settings(database_url="sqlite://"), engine=engine), engine, world)


def operation_actions(app: FastAPI) -> dict[tuple[str, str], str | None]:
    """The policy action each (METHOD, path) declares, from the mounted routes."""
    found: dict[tuple[str, str], str | None] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            action = getattr(route.endpoint, "policy_action", None) or route_action(route.dependant)
            for method in context.methods or route.methods:
                found[(method.upper(), str(context.path))] = action
    return found


def allowed_callers(action: str | None) -> list[str]:
    """The harness's callers the policy admits to an action (user roles and agency token purposes)."""
    spec = access.ACTIONS.get(action or "")
    if action in CALLERS:  # an agency-token route declares its token purpose
        return [action]
    return [caller for caller in CALLERS if spec is not None and caller in spec.roles]


def load_schema(app: FastAPI) -> Any:
    """The app's OpenAPI document as a Schemathesis schema (positive and negative generation)."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def operations(schema: Any) -> list[Any]:
    """Every API operation of the schema (a schema error is raised, never skipped)."""
    return [result.ok() for result in schema.get_all_operations()]


def _repro(case: Any, caller: str) -> str:
    """A short, copyable description of a failing request."""
    body = case.body if not isinstance(case.body, bytes | bytearray) else case.body[:200]
    return (f"{case.method} {case.formatted_path} as {caller} query={case.query!r} "
            f"headers={ {k: v for k, v in (case.headers or {}).items() if k.lower() != 'authorization'} !r} "
            f"body={str(body)[:400]}")


def strategy(operation: Any) -> Any:
    """Requests valid per the schema (two in three) and invalid ones (hostile input), where both can be made.

    The credentials are the harness's (a real caller's), so they are not generated here.
    """
    fixed = {"headers": {"authorization": ""}, "cookies": {"reachable_session": ""}}
    valid = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE, **fixed)
    try:
        invalid = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE, **fixed)
    except Exception:  # an operation with nothing to negate (no parameters, no body)
        return valid
    return st.one_of(valid, valid, invalid)


def _drop_generated_credentials(case: Any) -> None:
    """Remove the placeholder credentials, so the caller's real ones are the only ones sent."""
    for found in (case.headers, case.cookies):
        for key in [k for k in (found or {}) if k.lower() in ("authorization", "reachable_session")]:
            del found[key]


def fuzz(target: Target, *, examples: int, derandomize: bool = True, only: Callable[[str], bool] | None = None,
         max_findings_per_operation: int = 3) -> FuzzReport:
    """Send `examples` generated requests to every operation, rotating callers; collect failures, never stop."""
    report = FuzzReport()
    schema = load_schema(target.app)
    started = time.perf_counter()
    client = TestClient(target.app)  # one client for the run: schemathesis' own transport starts one per call
    actions = operation_actions(target.app)
    for operation in operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        if only is not None and not only(label):
            continue
        report.operations += 1
        count = 0
        found: list[Finding] = []

        allowed = allowed_callers(actions.get((operation.method.upper(), operation.path)))

        @settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy(operation), data=st.data())
        def one(case: Any, data: Any) -> None:
            nonlocal count
            count += 1
            # Mostly callers the policy admits (so requests reach the handler), sometimes anyone.
            caller = data.draw(st.sampled_from(allowed) if allowed and data.draw(st.integers(0, 3)) else
                               st.sampled_from(CALLERS))
            if data.draw(st.booleans()):  # aim integer path ids at rows that exist, so handlers run deep
                for name, value in (case.path_parameters or {}).items():
                    if isinstance(value, int):
                        case.path_parameters[name] = data.draw(st.integers(1, 6))
            _drop_generated_credentials(case)
            try:
                response = client.request(**case.as_transport_kwargs(headers=target.headers(caller)))
            except Exception as error:  # the in-process client re-raises what the app did not handle: a 500
                if len(found) < max_findings_per_operation:
                    found.append(Finding(label, caller, "unhandled exception", f"{type(error).__name__}: "
                                         f"{str(error)[:400]}", 500, _repro(case, caller)))
                report.statuses[500] = report.statuses.get(500, 0) + 1
                return
            report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
            if response.status_code == 401:
                target.cached.pop(caller, None)  # the fuzz logged this caller out or disabled them: sign in anew
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as error:  # a Failure, or a group (one per failed check)
                if len(found) < max_findings_per_operation:
                    failures = getattr(error, "exceptions", [error])
                    for failure in failures:
                        found.append(Finding(label, caller, type(failure).__name__, str(failure)[:600],
                                             response.status_code, _repro(case, caller)))

        one()
        report.cases += count
        report.per_operation[label] = count
        report.findings += found
    report.seconds = time.perf_counter() - started
    return report


def unauthenticated(target: Target, *, examples: int = 10) -> tuple[list[str], int]:
    """Call every non-public operation without credentials (generated inputs): anything but 401 is listed."""
    actions = operation_actions(target.app)
    schema = load_schema(target.app)
    problems: list[str] = []
    checked = 0
    for operation in operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        action = actions.get((operation.method.upper(), operation.path))
        if action is None:
            problems.append(f"{label}: declares no policy action")
            continue
        if access.ACTIONS[action].scope == "public":
            continue
        checked += 1

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE))
        def one(case: Any) -> None:
            # Generated Authorization headers and cookies are forged credentials: they must not work either.
            response = case.call()
            if response.status_code != 401:
                problems.append(f"{label}: {response.status_code} without valid credentials ({_repro(case, '-')})")

        one()
    return problems, checked
