"""API fuzzing with Schemathesis against the OpenAPI document, in-process on SQLite, as several roles.

The default run sends REACHABLE_FUZZ_EXAMPLES generated requests per operation (default 10: the whole API in about
a minute); `REACHABLE_FUZZ_EXAMPLES=100 pytest tests/reliability/test_api_fuzz.py` is the issue's CI figure and
`python -m bench --only fuzz --scale full` the 1,000-per-operation run (see docs/reliability.md for timings).
"""

from __future__ import annotations

import os

from reachable.access import service as access
from tests.reliability.apifuzz import Target, fuzz, load_schema, operation_actions, operations, unauthenticated

PUBLIC = {("GET", "/health"), ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/marker-codes"),
          ("GET", "/api/v1/rules"), ("GET", "/api/v1/rules/{rule_id}"),
          # web pages with no personal data: signing in, the rules reference, language help, static assets
          ("GET", "/sign-in"), ("POST", "/sign-in"), ("GET", "/signed-out"), ("GET", "/rules"),
          ("GET", "/help/language"), ("GET", "/static/vendor/govuk-frontend.min.css"), ("GET", "/static/vendor/{name}")}
EXAMPLES = int(os.environ.get("REACHABLE_FUZZ_EXAMPLES", "10"))


def test_no_server_errors_and_no_schema_breaks(fuzz_target: Target) -> None:
    report = fuzz(fuzz_target, examples=EXAMPLES)
    assert report.operations == len(operations(load_schema(fuzz_target.app))) > 50
    assert report.cases >= report.operations * min(EXAMPLES, 5)  # a few operations have tiny input spaces
    assert [f"{f.operation} as {f.caller}: {f.check} ({f.status}) {f.message[:300]} | {f.repro}"
            for f in report.findings] == []
    assert report.statuses.get(500, 0) == 0
    assert sum(n for status, n in report.statuses.items() if status < 300) > 0  # the fuzz reached handlers


def test_no_operation_is_reachable_without_authentication(fuzz_target: Target) -> None:
    problems, checked = unauthenticated(fuzz_target, examples=5)
    assert problems == []
    public = {op for op, action in operation_actions(fuzz_target.app).items()
              if action and access.ACTIONS[action].scope == "public" and op[0] not in ("HEAD", "OPTIONS")}
    assert checked > 50
    assert public <= PUBLIC, public - PUBLIC  # health, sign-in and reference lists with no personal data


def test_every_operation_is_in_the_document(fuzz_target: Target) -> None:
    documented = {(op.method.upper(), op.path) for op in operations(load_schema(fuzz_target.app))}
    mounted = {key for key in operation_actions(fuzz_target.app) if key[1].startswith(("/api/", "/health"))
               and key[0] not in ("HEAD", "OPTIONS")}
    assert mounted <= documented
