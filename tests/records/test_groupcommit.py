"""Group commit of API submissions: concurrent requests share a transaction and store what sequential ones would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from reachable import pipeline
from reachable.access import service as access
from reachable.api.groupcommit import GroupCommitter, provenance
from reachable.common.errors import InputRejected
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from reachable.records.kinds import EventKind
from reachable.records.schemas import EventIn
from tests.conftest import _drop_database, _load_areas, fresh_store_url
from tests.factories import SAMPLE_PAYLOADS, event, person

ACTOR = access.Actor(name="token:test", agency_id=None, role="token:submit_events", origin="127.0.0.1")
KINDS = [EventKind.MISSING_REPORTED, EventKind.STOP_SEARCH, EventKind.MISSING_FOUND, EventKind.ARREST]


@pytest.fixture
def second_store(backend: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Another empty store on the same backend, to replay the same submissions another way."""
    url = fresh_store_url(backend, tmp_path, "groupcommit")
    engine = make_engine(url)
    metadata().create_all(engine)
    _load_areas(engine)
    yield session_factory(engine)
    engine.dispose()
    if backend == "postgresql":
        _drop_database(url)


def _submissions() -> list[EventIn]:
    """Twenty-four single-event submissions about six children, recent enough for the rules to act."""
    start = datetime.now(UTC) - timedelta(days=60)
    return [event(kind, agency_key=f"K{n}", occurred_at=start + timedelta(hours=n * 7),
                  payload=SAMPLE_PAYLOADS[kind], person=person(agency_person_id=f"P{n % 6}", first_name=f"Kid{n % 6}"))
            for n, kind in enumerate(KINDS * 6)]


def _sequential(sessions: sessionmaker[Session], events: list[EventIn]) -> None:
    """Each submission in its own transaction, one after another (the path before group commit)."""
    for one in events:
        with unit_of_work(sessions) as session:
            pipeline.ingest(session, events=[one], actor=ACTOR, first_line=0,
                            batch=provenance(session, ACTOR, "POST /api/v1/events", [one]))


def _held(committer: GroupCommitter, events: list[EventIn]) -> dict[str, Any]:
    """Submit every event from its own thread while the runner slot is held, then release: they run as groups."""
    replies: dict[str, Any] = {}

    def send(one: EventIn) -> None:
        try:
            replies[one.agency_key] = committer.submit(actor=ACTOR, events=[one], route="POST /api/v1/events")
        except Exception as error:  # the request's own failure, checked by the test
            replies[one.agency_key] = error

    with committer._cond:
        committer._running = committer.runners  # every slot busy: submissions queue
    threads = [threading.Thread(target=send, args=(one,)) for one in events]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(committer._pending) < len(events) and time.monotonic() < deadline:
        time.sleep(0.01)
    with committer._cond:
        committer._running = 0
        committer._cond.notify_all()
    for thread in threads:
        thread.join(timeout=60)
    return replies


def _snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """What the store holds, without ids: events, children, firings, tasks, markers, audit and provenance."""
    queries = {
        "events": "SELECT e.agency_key, e.version, e.kind, e.superseded_at IS NULL, e.source_line, b.source_kind, "
                  "b.source_name FROM events e JOIN import_batches b ON b.id = e.import_batch_id",
        "batches": "SELECT count(DISTINCT import_batch_id), count(*) FROM events",
        "children": "SELECT l.child_id, s.agency_person_id FROM record_links l "
                    "JOIN source_records s ON s.id = l.source_record_id",
        "firings": "SELECT f.rule_id, e.agency_key FROM rule_firings f JOIN events e ON e.id = f.event_id",
        "tasks": "SELECT t.rule_id, t.kind, t.title, t.child_id FROM tasks t",
        "markers": "SELECT m.code, m.status, m.child_id FROM markers m",
        "audit": "SELECT action, object_type, count(*) FROM audit_events GROUP BY action, object_type",
    }
    with sessions() as session:
        rows = {name: [tuple(row) for row in session.execute(text(sql))] for name, sql in queries.items()}
    # Children are compared by who they are (their records), not by their ids.
    people: dict[int, set[str]] = {}
    for child_id, person_id in rows.pop("children"):
        people.setdefault(child_id, set()).add(person_id)
    who = {child_id: ",".join(sorted(ids)) for child_id, ids in people.items()}
    rows["children"] = [(name,) for name in who.values()]
    rows["tasks"] = [(*row[:3], who.get(row[3])) for row in rows["tasks"]]
    rows["markers"] = [(*row[:2], who.get(row[2])) for row in rows["markers"]]
    return {name: sorted(values, key=repr) for name, values in rows.items()}


def test_grouped_submissions_store_what_sequential_ones_do(sessions: sessionmaker[Session],
                                                          second_store: sessionmaker[Session]) -> None:
    events = _submissions()
    _sequential(sessions, events)
    committer = GroupCommitter(sessions=second_store, runners=1, max_group=10)
    replies = _held(committer, events)
    assert all(not isinstance(reply, BaseException) for reply in replies.values()), replies
    assert 3 <= committer.groups < len(events)  # really grouped (at most ten at a time), and nothing fell back
    grouped = _snapshot(second_store)
    assert grouped == _snapshot(sessions)
    assert grouped["batches"] == [(24, 24)]  # each request kept its own provenance batch
    assert {reply.stored.created for reply in replies.values()} == {1}
    # A second round of the same submissions, grouped, is a no-op.
    again = _held(committer, events)
    assert {reply.stored.unchanged for reply in again.values()} == {1}
    assert _snapshot(second_store)["events"] == grouped["events"]


def test_a_bad_event_fails_only_its_own_request(sessions: sessionmaker[Session]) -> None:
    events = _submissions()[:6]
    bad = event(EventKind.ARREST, agency_key="BAD", area_code="E99999999")  # unknown area: refused by validation
    committer = GroupCommitter(sessions=sessions, runners=1)
    replies = _held(committer, [*events[:3], bad, *events[3:]])
    assert isinstance(replies.pop("BAD"), InputRejected)
    assert committer.fallbacks == 1  # the group failed as a whole and was retried submission by submission
    assert sorted(reply.stored.created for reply in replies.values()) == [1] * 6
    with sessions() as session:
        assert session.execute(text("SELECT count(*) FROM events")).scalar_one() == 6
        assert session.execute(text("SELECT count(*) FROM events WHERE agency_key = 'BAD'")).scalar_one() == 0


def test_the_same_event_twice_in_one_group_is_stored_once(sessions: sessionmaker[Session]) -> None:
    one = _submissions()[0]
    corrected = one.model_copy(update={"note": "corrected"})
    committer = GroupCommitter(sessions=sessions, runners=1)
    results = []
    for events in ([one, one], [one, corrected]):
        replies: list[Any] = []
        lock = threading.Lock()

        def send(item: EventIn, replies: list[Any] = replies) -> None:
            outcome = committer.submit(actor=ACTOR, events=[item], route="POST /api/v1/events")
            with lock:
                replies.append(outcome.stored)

        with committer._cond:
            committer._running = 1
        threads = [threading.Thread(target=send, args=(item,)) for item in events]
        threads[0].start()
        while len(committer._pending) < 1:
            time.sleep(0.01)
        threads[1].start()  # after the first, so the group keeps their order
        while len(committer._pending) < 2:
            time.sleep(0.01)
        with committer._cond:
            committer._running = 0
            committer._cond.notify_all()
        for thread in threads:
            thread.join(timeout=60)
        results.append(sorted((s.created, s.unchanged, s.new_versions) for s in replies))
    assert results[0] == [(0, 1, 0), (1, 0, 0)]
    assert results[1] == [(0, 0, 1), (0, 1, 0)]
    with sessions() as session:
        versions = session.execute(text("SELECT version, superseded_at IS NULL FROM events ORDER BY version")).all()
    assert [tuple(v) for v in versions] == [(1, False), (2, True)]
