"""Fixtures for access tests: the two-area world on the parametrised databases, and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reachable.api.app import create_app
from reachable.config import Settings
from tests.access.world import World, build


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> World:
    """The world, committed."""
    with sessions() as session:
        built = build(session)
        session.commit()
    return built


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The API on the test database."""
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client
