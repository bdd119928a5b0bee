"""The same child's events arriving from two agencies at once: one child, no duplicate tasks or markers.

Two threads, each with its own unit of work (as two API requests or two imports would have), run the pipeline on
the same child's events at the same moment (a barrier lines them up), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.kinds import EventKind
from tests.factories import SAMPLE_PAYLOADS, event, person
from tests.reliability import invariants

ROUNDS = 6
AGENCIES = {  # what each agency knows of the child, and what it reports (kinds that fire rules)
    "POL-E23000014": (EventKind.ARREST, EventKind.MISSING_REPORTED, EventKind.STOP_SEARCH),
    "CSC-E08000025": (EventKind.ASSESSMENT_COMPLETED, EventKind.MISSING_FOUND, EventKind.CONCERN_RAISED),
}


def _events(agency: str, n: int) -> list:  # type: ignore[type-arg]
    """One agency's events about child n (same name, date of birth and NHS number in both agencies)."""
    start = datetime.now(UTC) - timedelta(days=3)
    who = person(agency_person_id=f"{agency[:3]}-{n}", first_name=f"Twin{n}", last_name="Concurrent",
                 dob=date(2010, 1, 1) + timedelta(days=n), nhs_number=None, police_person_id=None)
    return [event(kind, agency=agency, agency_key=f"{agency}-{n}-{i}", person=who, area_code="E08000025",
                  occurred_at=start + timedelta(hours=i), payload=SAMPLE_PAYLOADS[kind])
            for i, kind in enumerate(AGENCIES[agency])]


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A store where two connections really run at once: a SQLite file (not the shared in-memory one) or PostgreSQL."""
    if backend == "postgresql":
        engine: Engine = request.getfixturevalue("engine")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'concurrent.db'}")
        metadata().create_all(engine)
    with unit_of_work(session_factory(engine)) as session:
        if backend == "sqlite":
            areas.load_reference_areas(session)
        for code in AGENCIES:  # agencies are registered before their systems send events (tokens need them)
            areas.ensure_agency(session, code=code)
    yield engine
    if backend == "sqlite":
        engine.dispose()


def test_two_agencies_at_once_make_one_child(store: Engine) -> None:
    engine, sessions = store, session_factory(store)
    for n in range(ROUNDS):
        barrier = threading.Barrier(len(AGENCIES))
        failures: list[BaseException] = []

        def work(agency: str, n: int = n, barrier: threading.Barrier = barrier) -> None:
            try:
                batch = _events(agency, n)
                barrier.wait(timeout=30)
                with unit_of_work(sessions) as session:
                    pipeline.ingest(session, events=batch, actor=access.SYSTEM)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=work, args=(agency,)) for agency in AGENCIES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
    with engine.connect() as connection:
        children = connection.execute(text(
            "SELECT s.last_name, s.first_name, count(DISTINCT l.child_id) FROM source_records s "
            "JOIN record_links l ON l.source_record_id = s.id GROUP BY s.last_name, s.first_name")).all()
        tasks = int(connection.execute(text("SELECT count(*) FROM tasks")).scalar() or 0)
    assert len(children) == ROUNDS
    assert [row for row in children if row[2] != 1] == []  # each child's records from both agencies: one child
    assert invariants.orphans(engine) == []  # includes duplicate tasks and markers
    assert invariants.audit_chain(engine) == []
    assert tasks > 0  # the rules did fire, so "no duplicates" meant something


def test_two_transactions_registering_the_same_new_agency_share_it(store: Engine) -> None:
    """Both see one agency: the second waits for the first's row instead of failing on the unique code."""
    factory = session_factory(store)
    for round_number, code in enumerate(("YJS-E08000025", "EDU-E08000025", "HLT-E08000025")):
        start = threading.Barrier(2)
        found: list[int] = []
        failures: list[BaseException] = []

        def register(code: str = code) -> None:
            try:
                with unit_of_work(factory) as session:
                    start.wait()
                    found.append(areas.ensure_agency(session, code=code).id)
                    time.sleep(0.2)  # hold the transaction open while the other one registers the same code
            except BaseException as error:  # reported below: a thread's exception would otherwise vanish
                failures.append(error)

        threads = [threading.Thread(target=register) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [], (round_number, failures)
        assert len(found) == 2 and found[0] == found[1]
        with store.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM agencies WHERE code = :c"), {"c": code}).scalar() == 1


def test_submissions_about_different_new_children_link_side_by_side(store: Engine, backend: str) -> None:
    """While one submission's new child is not yet committed, another about a different new child links at once
    (they share no blocking key), and a third about the first child waits for it and joins its child."""
    if backend == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time by design")
    sessions = session_factory(store)
    first = _events("POL-E23000014", 0)[:1]
    stranger = person(agency_person_id="POL-stranger", first_name="Ola", last_name="Nowak", dob=date(2008, 7, 9),
                      postcode="M1 1AE", home_area_code="E08000003", nhs_number=None, police_person_id=None)
    other = [first[0].model_copy(update={"agency_key": "stranger-1", "person": stranger})]  # no key in common
    same = _events("CSC-E08000025", 0)[:1]  # the first child, from another agency
    done: dict[str, float] = {}
    failures: list[BaseException] = []

    def submit(name: str, batch: list) -> None:  # type: ignore[type-arg]
        try:
            with unit_of_work(sessions) as session:
                pipeline.ingest(session, events=batch, actor=access.SYSTEM)
            done[name] = time.perf_counter()
        except BaseException as error:
            failures.append(error)

    with unit_of_work(sessions) as holder:
        pipeline.ingest(holder, events=first, actor=access.SYSTEM)  # linked, not committed
        threads = {name: threading.Thread(target=submit, args=(name, batch))
                   for name, batch in (("other", other), ("same", same))}
        for thread in threads.values():
            thread.start()
        threads["other"].join(timeout=30)
        assert "other" in done and failures == []  # it did not wait for the open transaction
        time.sleep(0.5)
        assert "same" not in done  # it shares the first child's keys: it waits
        committed = time.perf_counter()
    threads["same"].join(timeout=30)
    assert failures == [] and done["same"] >= committed
    with store.connect() as connection:
        children = connection.execute(text(
            "SELECT s.first_name, count(DISTINCT l.child_id) FROM source_records s "
            "JOIN record_links l ON l.source_record_id = s.id GROUP BY s.first_name ORDER BY 1")).all()
    assert [tuple(row) for row in children] == [("Ola", 1), ("Twin0", 1)]
