"""Migrations: one head, create the whole schema on an empty database, go down to base and up again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from reachable.db import migrate
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from tests.conftest import fresh_store_url


def _url(backend: str, tmp_path: Path) -> str:
    return fresh_store_url(backend, tmp_path, "migrate")


def test_single_head() -> None:
    assert len(migrate.heads()) == 1


def test_upgrade_matches_models_then_down_and_up(backend: str, tmp_path: Path) -> None:
    url = _url(backend, tmp_path)
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata())
    assert diff == [], f"models and migrations differ: {diff}"
    assert migrate.current(engine) == migrate.heads()[0]
    migrate.downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert "events" in inspect(engine).get_table_names()
    engine.dispose()
    if backend == "postgresql":
        from tests.conftest import _drop_database

        _drop_database(url)


def test_sqlite_file_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()

