"""Backup and restore: a restored store has every record of the backup and a valid audit chain."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db import backup as backups
from reachable.db import migrate
from reachable.db.engine import make_engine
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.kinds import EventKind
from reachable.records.models import Event
from tests.conftest import _drop_database, fresh_store_url
from tests.factories import event


def _store(backend: str, tmp_path: Path) -> str:
    return fresh_store_url(backend, tmp_path, "backup")


def _ingest(url: str, keys: range) -> None:
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        pipeline.ingest(session, actor=access.SYSTEM, events=[
            event(EventKind.MISSING_REPORTED, agency_key=f"k{key}") for key in keys])
    engine.dispose()


def test_backup_then_restore(backend: str, tmp_path: Path) -> None:
    url = _store(backend, tmp_path)
    migrate.upgrade(url)
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
    _ingest(url, range(0, 20))
    copy = backups.backup(url, tmp_path / "backup.bin")
    _ingest(url, range(20, 30))  # written after the backup: gone after restore
    engine.dispose()
    backups.restore(url, copy)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 20
        assert access.verify_chain(session) == []
        assert session.scalar(text("SELECT count(*) FROM audit_events")) == 1
    engine.dispose()
    if backend == "postgresql":
        _drop_database(url)
