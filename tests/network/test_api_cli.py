"""The network over HTTP (compartments by token, analysts' edits, sharing) and from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from reachable import pipeline
from reachable.access import service as access
from reachable.api.app import create_app
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.network.models import NetworkLink
from tests.network.conftest import COUNCIL, POLICE, scenario_events

LINE = "line:07700900123"


@pytest.fixture
def client(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """An app over the scenario world."""
    with sessions() as session:
        pipeline.ingest(session, events=scenario_events(), actor=access.SYSTEM)
        session.commit()
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def _auth(sessions: sessionmaker[Session], code: str, role: str) -> dict[str, str]:
    """A bearer header for a signed-in user of an agency with a role."""
    with sessions() as session:
        areas.ensure_agency(session, code=code)
        user, _ = access.create_user(session, username=f"{role}-{code}".lower(), display_name=role, agency_code=code,
                                     role=role, password="correct horse battery staple 42", actor=access.SYSTEM)
        token = access.start_session(session, user=user).token
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_queries_follow_the_callers_compartment(client: TestClient, sessions: sessionmaker[Session]) -> None:
    police = _auth(sessions, POLICE, "police_analyst")
    council = _auth(sessions, COUNCIL, "social_worker")
    assert client.get("/api/v1/network/exposure", params={"seed": LINE}).status_code == 401
    found = client.get("/api/v1/network/exposure", params={"seed": LINE, "hops": 2}, headers=police)
    assert found.status_code == 200 and [r["hops"] for r in found.json()] == [1, 2]
    assert client.get("/api/v1/network/exposure", params={"seed": LINE}, headers=council).status_code == 404
    assert client.get("/api/v1/network/lines", headers=council).json() == []
    assert len(client.get("/api/v1/network/lines", headers=police).json()) == 1
    spots = client.get("/api/v1/network/hotspots", params={"start": "2025-01-01T00:00:00Z",
                                                           "end": "2026-01-01T00:00:00Z"}, headers=council)
    assert len(spots.json()) == 3
    export = client.get("/api/v1/network/export", params={"format": "gexf"}, headers=council)
    assert export.status_code == 200 and b"linked_to_line" not in export.content
    for path in ("groups", "connectors"):
        assert client.get(f"/api/v1/network/{path}", headers=police).status_code == 200
    assert client.get("/api/v1/network/new-links", params={"since": "2025-03-15T00:00:00Z"},
                      headers=council).status_code == 200


def test_a_time_before_year_one_in_utc_is_not_a_server_error(client: TestClient, sessions: sessionmaker[Session],
                                                              backend: str) -> None:
    # Found by the full API fuzz: 0001-01-01T00:00 at +00:01 is in year 0 in UTC, which SQLite's stored form
    # cannot hold (a 500 before); PostgreSQL's timestamps reach back to 4713 BC and answer as usual.
    council = _auth(sessions, COUNCIL, "social_worker")
    answer = client.get("/api/v1/network/hotspots", headers=council,
                        params={"start": "0001-01-01T00:00:00+00:01", "end": "2000-01-06T00:08:07Z"})
    if backend == "sqlite":
        assert answer.status_code == 422 and "out of range" in answer.text
    else:
        assert answer.status_code == 200 and answer.json() == []


def test_a_seed_of_superscript_digits_is_not_a_server_error(client: TestClient,
                                                            sessions: sessionmaker[Session]) -> None:
    # Found by the full API fuzz (28 Nov 2026): '³' passes str.isdigit() but int() refuses it (a 500 before).
    council = _auth(sessions, COUNCIL, "social_worker")
    answer = client.get("/api/v1/network/exposure", headers=council, params={"seed": ["³", "²⁰"]})
    assert answer.status_code < 500, answer.text


def test_sharing_and_editing_need_an_analyst_token_and_a_reason(client: TestClient,
                                                                 sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        link_id = session.scalar(select(NetworkLink.id).where(NetworkLink.kind == "linked_to_line"))
    reader = _auth(sessions, POLICE, "police_officer")
    analyst = _auth(sessions, POLICE, "police_analyst")
    council = _auth(sessions, COUNCIL, "social_worker")
    body = {"link_id": link_id, "shared_with": COUNCIL, "purpose": "MACE panel", "reason": "safety planning"}
    assert client.post("/api/v1/network/sharing", json=body, headers=reader).status_code == 403
    shared = client.post("/api/v1/network/sharing", json=body, headers=analyst)
    assert shared.status_code == 201, shared.text
    assert client.get(f"/api/v1/network/links/{link_id}", headers=council).json()["basis"] == "intelligence"
    change = client.patch(f"/api/v1/network/links/{link_id}", json={"status": "removed"}, headers=analyst)
    assert change.status_code == 422
    removed = client.patch(f"/api/v1/network/links/{link_id}", json={"status": "removed", "reason": "wrong line"},
                           headers=analyst)
    assert removed.status_code == 200 and removed.json()["status"] == "removed"


def test_cli_commands(settings: Settings, engine: Engine, sessions: sessionmaker[Session], tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    if settings.database_url == "sqlite://":
        pytest.skip("the CLI opens its own engine: it needs a file or server database")
    from reachable.cli.main import build_app

    with sessions() as session:
        pipeline.ingest(session, events=scenario_events(), actor=access.SYSTEM)
        session.commit()
    monkeypatch.setenv("REACHABLE_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    app = build_app()
    built = runner.invoke(app, ["network", "build"])
    assert built.exit_code == 0, built.output
    assert "links created 0" in built.output
    exposed = runner.invoke(app, ["network", "exposure", LINE, "--agency", POLICE])
    assert exposed.exit_code == 0 and "linked_to_line" in exposed.output
    hidden = runner.invoke(app, ["network", "exposure", LINE, "--agency", COUNCIL])
    assert hidden.exit_code != 0
    for args in (["groups"], ["hotspots", "--start", "2025-01-01", "--end", "2026-01-01"], ["lines"],
                 ["new-links", "--since", "2025-01-01"], ["connectors"]):
        result = runner.invoke(app, ["network", *args, "--agency", POLICE])
        assert result.exit_code == 0, result.output
    out = tmp_path / "net.graphml"
    exported = runner.invoke(app, ["network", "export", str(out), "--agency", COUNCIL])
    assert exported.exit_code == 0 and out.read_bytes().startswith(b"<?xml")
