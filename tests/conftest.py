"""Test fixtures: every database test runs on SQLite and, when reachable, on PostgreSQL."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from reachable.config import Settings
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory

# Each test run gets its own database, so concurrent runs (two developers, CI and a benchmark) never collide.
PG_URL = os.environ.get("REACHABLE_TEST_POSTGRES_URL",
                        f"postgresql://postgres@127.0.0.1:5432/reachable_test_{os.getpid()}")
REFERENCE_TABLES = {"areas"}
_ran: Counter[str] = Counter()


def _postgres_available() -> bool:
    """Whether the PostgreSQL test database answers, creating it on first use."""
    if os.environ.get("REACHABLE_TEST_SKIP_POSTGRES") == "1":
        return False
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    try:
        admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return True
    except Exception:
        return False


_PG = _postgres_available()
if os.environ.get("CI") == "true" and not _PG and os.environ.get("REACHABLE_TEST_SKIP_POSTGRES") != "1":
    raise RuntimeError("CI must test on PostgreSQL, but it is not reachable at " + PG_URL)
BACKENDS = ["sqlite", "postgresql"] if _PG else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise every test that needs a database over every available backend."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, scope="session")


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    """One PostgreSQL schema for the session, rebuilt from the models, with reference areas loaded."""
    engine = make_engine(PG_URL)
    meta = metadata()
    with engine.begin() as connection:
        # Start from nothing: whatever an earlier run left (even tables no model knows) goes.
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        meta.create_all(connection)
    _load_areas(engine)
    yield engine
    engine.dispose()
    if "REACHABLE_TEST_POSTGRES_URL" not in os.environ:
        _drop_database(PG_URL)


def fresh_store_url(backend: str, folder: Path, purpose: str) -> str:
    """An empty store for a test that needs its own database: a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'{purpose}.db'}"
    name = f"reachable_{purpose}_test_{os.getpid()}"
    admin = create_engine(PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(url: str) -> None:
    """Remove a per-run test database."""
    admin = create_engine(url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _load_areas(engine: Engine) -> None:
    """Load the shipped reference areas into a fresh schema."""
    from reachable.areas import service as areas

    with session_factory(engine)() as session:
        areas.load_reference_areas(session)
        session.commit()


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A clean database on the requested backend, with reference areas loaded."""
    if backend == "sqlite":
        engine = make_engine("sqlite://")
        metadata().create_all(engine)
        _load_areas(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("_pg_engine")
    yield engine
    tables = [t.name for t in metadata().sorted_tables if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory on the test database."""
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for direct service calls; the test commits if it wants to."""
    with sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(backend: str) -> Settings:
    """Settings pointing at the test backend."""
    return Settings(database_url="sqlite://" if backend == "sqlite" else PG_URL)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count passing tests per database so the run can prove it did not silently skip one."""
    if report.when == "call" and report.passed:
        if "[sqlite" in report.nodeid or "-sqlite" in report.nodeid:
            _ran["sqlite"] += 1
        elif "postgresql" in report.nodeid:
            _ran["postgresql"] += 1
        else:
            _ran["no database"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many tests passed on each database."""
    terminalreporter.write_line(
        "tests passed per database: "
        + ", ".join(f"{name}={_ran[name]}" for name in ("sqlite", "postgresql", "no database"))
    )
