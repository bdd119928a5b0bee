"""The REST API: health, OpenAPI, token-scoped submission and chronology reads."""

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
from tests.factories import event


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def _token(sessions: sessionmaker[Session], code: str, purpose: str) -> str:
    with sessions() as session:
        agency = areas.ensure_agency(session, code=code)
        token = access.create_token(session, agency_id=agency.id, name="test", purpose=purpose)
        session.commit()
    return token


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/health").json()["database"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/events" in paths and "/api/v1/children/{child_id}/chronology" in paths


def test_submit_and_read_back(client: TestClient, sessions: sessionmaker[Session]) -> None:
    submit = {"Authorization": f"Bearer {_token(sessions, 'POL-E23000014', 'submit_events')}"}
    read = {"Authorization": f"Bearer {_token(sessions, 'CSC-E08000025', 'read_children')}"}
    body = event(EventKind.ARREST).model_dump(mode="json")
    created = client.post("/api/v1/events", json=body, headers=submit)
    assert created.status_code == 201, created.text
    child_id = created.json()["child_ids"][0]
    again = client.post("/api/v1/events", json=body, headers=submit).json()
    assert again["stored"]["unchanged"] == 1
    chronology = client.get(f"/api/v1/children/{child_id}/chronology", headers=read)
    assert [e["kind"] for e in chronology.json()] == ["arrest"]
    links = client.get(f"/api/v1/children/{child_id}/links", headers=read).json()
    assert links[0]["reason"]


def test_tokens_are_required_and_scoped(client: TestClient, sessions: sessionmaker[Session]) -> None:
    body = event(EventKind.ARREST).model_dump(mode="json")
    assert client.post("/api/v1/events", json=body).status_code == 401
    reader = {"Authorization": f"Bearer {_token(sessions, 'POL-E23000014', 'read_children')}"}
    assert client.post("/api/v1/events", json=body, headers=reader).status_code == 401
    other = {"Authorization": f"Bearer {_token(sessions, 'POL-E23000001', 'submit_events')}"}
    refused = client.post("/api/v1/events", json=body, headers=other)
    assert refused.status_code == 403
    assert client.get("/api/v1/children/1/chronology").status_code == 401


def test_bad_payload_gets_field_and_reason(client: TestClient, sessions: sessionmaker[Session]) -> None:
    submit = {"Authorization": f"Bearer {_token(sessions, 'POL-E23000014', 'submit_events')}"}
    body = event(EventKind.ARREST, area_code="E99999999").model_dump(mode="json")
    refused = client.post("/api/v1/events/batch", json={"events": [body]}, headers=submit)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "area_code"
