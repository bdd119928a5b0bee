"""Nothing lost: an import killed with SIGKILL at any moment leaves the store as it was; two agencies import at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.kinds import EventKind
from reachable.records.models import Event, ImportBatch, SourceRecord
from tests.conftest import PG_URL
from tests.factories import event, person
from tests.records.ingest.conftest import import_paths

HARNESS = "import typer; from reachable.cli import ingest; app = typer.Typer(); ingest.register(app); " \
          "app.command('x')(lambda: None); app()"


def _world_file(path: Path, agency: str, n: int, people: int) -> Path:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            e = event(EventKind.MISSING_REPORTED, agency=agency, agency_key=f"{agency}-{i}",
                      occurred_at=start + timedelta(minutes=i),
                      person=person(agency_person_id=f"P{i % people}", first_name=f"Child{i % people}",
                                    police_person_id=None))
            out.write(e.model_dump_json() + "\n")
    return path


def _store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, Engine]:
    if backend == "postgresql":
        return PG_URL, request.getfixturevalue("engine")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    metadata().create_all(engine)
    with unit_of_work(session_factory(engine)) as session:
        areas.load_reference_areas(session)
    return url, engine


def _counts(engine: Engine) -> tuple[int, int, int]:
    with session_factory(engine)() as session:
        return tuple(int(session.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (Event, SourceRecord, ImportBatch))


def _run(url: str, path: Path, *, kill_after: float | None) -> int:
    env = {**os.environ, "REACHABLE_DATABASE_URL": url}
    process = subprocess.Popen([sys.executable, "-c", HARNESS, "ingest", str(path), "--no-progress"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is None:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        return 0
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return int(process.returncode)


@pytest.mark.parametrize("delays", [
    pytest.param((2.0,), id="once"),
    pytest.param((0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0), id="many", marks=pytest.mark.slow),
])
def test_kill_minus_nine_leaves_the_store_unchanged(backend: str, tmp_path: Path, request: pytest.FixtureRequest,
                                                   delays: tuple[float, ...]) -> None:
    url, engine = _store(backend, tmp_path, request)
    n, people = (1500, 150) if len(delays) == 1 else (4000, 400)
    path = _world_file(tmp_path / "events.jsonl", "POL-E23000014", n, people)
    full = (n, people, 1)
    for delay in delays:
        _run(url, path, kill_after=delay)
        assert _counts(engine) in ((0, 0, 0), full)  # never a partial import
    _run(url, path, kill_after=None)
    assert _counts(engine) == full
    _run(url, path, kill_after=None)  # a re-run after completion changes nothing
    assert _counts(engine) == full


def test_two_agencies_import_at_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _url, engine = _store(backend, tmp_path, request)
    files = [_world_file(tmp_path / f"{code}.jsonl", code, 400, 50) for code in ("POL-E23000014", "POL-E23000001")]
    failures: list[BaseException] = []

    def work(path: Path) -> None:
        try:
            with unit_of_work(session_factory(engine)) as session:
                import_paths(session, [path])
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not failures
    assert _counts(engine) == (800, 100, 2)
    with session_factory(engine)() as session:
        duplicates = session.execute(text("SELECT agency_id, agency_key FROM events GROUP BY agency_id, agency_key "
                                          "HAVING count(*) > 1")).all()
    assert duplicates == []


