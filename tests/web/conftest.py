"""Fixtures for the web tests: the world on each database, and a browser-like client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from reachable.access import service as access
from reachable.api.app import create_app
from reachable.config import Settings
from tests.web.world import PASSWORD, WebWorld, build


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> WebWorld:
    """The world, committed."""
    with sessions() as session:
        built = build(session)
        session.commit()
    return built


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app over HTTPS (session cookies are Secure), following no redirects so tests see them."""
    with TestClient(create_app(settings, engine=engine), base_url="https://testserver",
                    follow_redirects=False) as client:
        yield client


def csrf(client: TestClient, path: str = "/sign-in") -> str:
    """The CSRF token a page's forms carry."""
    text = client.get(path).text
    marker = 'name="csrf_token" value="'
    return text.split(marker, 1)[1].split('"', 1)[0]


def sign_in(client: TestClient, world: WebWorld) -> None:
    """Sign in as the world's social worker with password and a fresh TOTP code."""
    sign_in_as(client, world.username, world.totp_secret)


def sign_in_as(client: TestClient, username: str, secret: str) -> None:
    """Sign in as anyone in the world with password and a fresh TOTP code."""
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD,
                                             "code": access.current_code(secret), "csrf_token": csrf(client)})
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in(client: TestClient, world: WebWorld) -> TestClient:
    """A client signed in as the social worker."""
    sign_in(client, world)
    return client


@pytest.fixture
def analyst(client: TestClient, world: WebWorld) -> TestClient:
    """A client signed in as the data analyst (who may see aggregate statistics, never a child)."""
    sign_in_as(client, world.analyst_username, world.analyst_secret)
    return client
