"""The reachable-moment API: tasks by child/area/status, completing a task, markers, rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reachable.access import service as access
from reachable.api.app import create_app
from reachable.areas import service as areas
from reachable.config import Settings
from reachable.records.kinds import EventKind
from tests.rules.helpers import ago, child_event


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def _headers(sessions: sessionmaker[Session], code: str, purpose: str) -> dict[str, str]:
    """An agency system's token."""
    with sessions() as session:
        agency = areas.ensure_agency(session, code=code)
        token = access.create_token(session, agency_id=agency.id, name="test", purpose=purpose)
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _user(sessions: sessionmaker[Session], code: str, role: str) -> dict[str, str]:
    """A signed-in practitioner of an agency."""
    with sessions() as session:
        areas.ensure_agency(session, code=code)
        user, _ = access.create_user(session, username=f"{role}-{code}".lower(), display_name=role, agency_code=code,
                                     role=role, password="correct horse battery staple 42", actor=access.SYSTEM)
        token = access.start_session(session, user=user).token
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_an_arrest_submitted_becomes_tasks_to_list_and_complete(client: TestClient,
                                                                sessions: sessionmaker[Session]) -> None:
    police = _headers(sessions, "POL-E23000014", "submit_events")
    reader = _user(sessions, "CSC-E08000025", "team_manager")
    writer = _user(sessions, "CSC-E08000025", "social_worker")
    arrest = child_event(EventKind.ARREST, key="api-1", at=ago(hours=1),
                         payload={"offence_category": "offensive_weapon"}).model_dump(mode="json")
    created = client.post("/api/v1/events", json=arrest, headers=police)
    assert created.status_code == 201, created.text
    child_id = created.json()["child_ids"][0]

    listed = client.get("/api/v1/tasks", params={"area": "E08000025", "status": "open", "kind": "task"},
                        headers=reader)
    assert listed.status_code == 200 and [t["rule_id"] for t in listed.json()] == ["cp.drugs-weapons"]
    task = listed.json()[0]
    assert task["evidence"]["event_ids"] and task["child_id"] == child_id
    assert client.get("/api/v1/tasks", params={"child_id": child_id}, headers=reader).json()
    bad = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"outcome": "done"}, headers=writer)
    assert bad.status_code == 422
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=writer,
                       json={"outcome": "referred", "reason": "strategy discussion: s47 started", "by": "A. Khan"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=writer,
                        json={"outcome": "done", "reason": "twice"})
    assert again.status_code == 409
    metrics = client.get("/api/v1/tasks/metrics", headers=reader).json()
    assert client.get("/api/v1/tasks/metrics", headers=writer).status_code == 403  # statistics roles only
    assert any(row["rule_id"] == "cp.drugs-weapons" and row["closed_in_time"] == 1 for row in metrics)
    firings = client.get(f"/api/v1/children/{child_id}/rule-firings", headers=reader).json()
    assert firings[0]["rule_id"] == "cp.drugs-weapons" and firings[0]["reason"]


def test_markers_set_list_review_end_and_history(client: TestClient, sessions: sessionmaker[Session]) -> None:
    police = _headers(sessions, "POL-E23000014", "submit_events")
    reader = _headers(sessions, "CSC-E08000025", "read_children")
    writer = _user(sessions, "CSC-E08000025", "social_worker")
    outsider = _user(sessions, "CSC-E06000051", "social_worker")
    concern = child_event(EventKind.CONCERN_RAISED, key="api-2", at=ago(2),
                          payload={"categories": ["new_phones"]}).model_dump(mode="json")
    child_id = client.post("/api/v1/events", json=concern, headers=police).json()["child_ids"][0]
    assert client.post(f"/api/v1/children/{child_id}/markers", json={"code": "nope", "reason": "x y z"},
                       headers=writer).status_code == 422
    assert client.post(f"/api/v1/children/{child_id}/markers", json={"code": "cce_risk", "reason": "x y z"},
                       headers=outsider).status_code in (403, 404)  # no relationship with this child
    assert client.post(f"/api/v1/children/{child_id}/markers", json={"code": "cce_risk", "reason": "x y z"},
                       headers=reader).status_code in (401, 403)  # a read token changes nothing
    made = client.post(f"/api/v1/children/{child_id}/markers", headers=writer,
                       json={"code": "cce_risk", "reason": "MACE agreed", "by": "A. Khan"})
    assert made.status_code == 201 and made.json()["status"] == "active"
    marker_id = made.json()["id"]
    assert client.post(f"/api/v1/markers/{marker_id}/review", json={"reason": "still at risk"},
                       headers=writer).status_code == 200
    ended = client.post(f"/api/v1/markers/{marker_id}/end", json={"reason": "risk reduced, MACE agreed"},
                        headers=writer)
    assert ended.json()["status"] == "ended"
    history = client.get(f"/api/v1/markers/{marker_id}/history", headers=reader).json()
    assert [step["action"] for step in history] == ["set", "reviewed", "ended"]
    assert client.get(f"/api/v1/children/{child_id}/markers", headers=reader).json() == []
    assert len(client.get(f"/api/v1/children/{child_id}/markers", params={"include_ended": True},
                          headers=reader).json()) == 1
    codes = client.get("/api/v1/marker-codes", headers=reader).json()
    assert any(code["code"] == "cce_victim" for code in codes)


def test_rules_list_and_show(client: TestClient) -> None:
    reader: dict[str, str] = {}  # rule definitions are public reference data, like docs/rules.md
    listed = client.get("/api/v1/rules", headers=reader).json()
    assert len(listed) >= 10 and all(rule["version"] for rule in listed)
    shown = client.get("/api/v1/rules/victim-first.s45", headers=reader).json()
    assert shown["builtin"] and shown["rule"]["guidance"].startswith("Modern Slavery Act 2015 s45")
    assert client.get("/api/v1/rules/nope", headers=reader).status_code == 404
