"""The fast path is the same path: many small chunks (on the writer thread) store exactly what one chunk stores."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reachable.db.dialect import copy_rows, copy_rows_at_once, select_by_keys
from reachable.records import service as records
from reachable.records.ingest.background import Background
from reachable.records.kinds import EventKind
from reachable.records.models import Event, SourceRecord
from tests.factories import SAMPLE_PAYLOADS, event, person
from tests.records.ingest.conftest import import_paths

AGENCIES = ("POL-E23000014", "POL-E23000001", "EDU-E08000025")
KINDS = (EventKind.ARREST, EventKind.MISSING_REPORTED, EventKind.STOP_SEARCH)


def _file(path: Path, *, keys: range, corrected: bool = False) -> Path:
    """Events over 9 people in 3 agencies; a person's postcode and UPN arrive part-way through the file."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for i in keys:
            kind = KINDS[i % 3]
            payload = ({"offence_category": "other"} if corrected and kind == EventKind.ARREST and i % 2
                       else SAMPLE_PAYLOADS[kind])
            who = person(agency_person_id=f"P{i % 9}", first_name=f"Child{i % 9}",
                         postcode=None if i < 20 else "B15 2TT", upn=None if i < 30 else f"A{i % 9:011d}B")
            out.write(event(kind, agency=AGENCIES[i % 3], agency_key=f"K{i}", person=who, payload=payload,
                            occurred_at=start + timedelta(hours=i)).model_dump_json() + "\n")
    return path


def _stored(session: Session) -> tuple[list[Any], list[Any]]:
    """Every stored event and source record, without ids and times of storage."""
    records = {r.id: r.agency_person_id for r in session.scalars(select(SourceRecord))}
    events = [(e.agency_key, e.kind, e.version, e.superseded_at is None, e.content_hash, e.payload, e.source_line,
               records[e.source_record_id]) for e in session.scalars(select(Event).order_by(Event.agency_key,
                                                                                             Event.version))]
    people = [(r.agency_person_id, r.first_name, r.postcode, r.upn, r.content_hash)  # ids differ after rollback
              for r in session.scalars(select(SourceRecord).order_by(SourceRecord.agency_person_id))]
    return events, people


def test_small_chunks_store_what_one_chunk_stores(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    first = _file(tmp_path / "first.jsonl", keys=range(60))
    second = _file(tmp_path / "second.jsonl", keys=range(30, 90), corrected=True)  # repeats, corrections, new
    results = {}
    for chunk in (7, 5000):
        with sessions() as session:
            one = import_paths(session, [first], chunk_size=chunk).totals()
            two = import_paths(session, [second], chunk_size=chunk).totals()
            results[chunk] = (one, two, _stored(session))
            session.rollback()
    assert results[7] == results[5000]
    one, two, (events, people) = results[7]
    assert (one["created"], one["unchanged"], one["new_versions"]) == (60, 0, 0)
    assert two["created"] == 30 and two["new_versions"] == 5 and two["unchanged"] == 25
    assert len(events) == 95 and len(people) == 9
    assert all(upn and postcode for _, _, postcode, upn, _ in people)  # filled in part-way, across chunks


def test_store_only_import_on_the_writer_thread_stores_the_same(sessions: sessionmaker[Session],
                                                                tmp_path: Path) -> None:
    # Without later stages SQLite too writes on the writer thread, each chunk as one JSON-array INSERT.
    first = _file(tmp_path / "first.jsonl", keys=range(60))
    second = _file(tmp_path / "second.jsonl", keys=range(30, 90), corrected=True)
    results = []
    for options in ({"chunk_size": 7, "stages": []}, {"chunk_size": 5000}):
        with sessions() as session:
            one = import_paths(session, [first], **options).totals()
            two = import_paths(session, [second], **options).totals()
            results.append((one, two, _stored(session)))
            session.rollback()
    assert results[0] == results[1]


def test_copy_rows_at_once_stores_what_executemany_stores(session: Session) -> None:
    agency = _agency(session)
    moment = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)
    columns = ("id", "agency_id", "agency_person_id", "first_name", "dob", "sex", "postcode", "content_hash",
               "first_seen_at", "updated_at")
    awkward = ["plain", "it's", 'quo"te\n', "ünïcode ✓", "=SUM(A1)", "tab\tbed"]
    rows = [(index + 900_000, agency, f"P{index}", name, date(2010, 1, index + 1) if index % 2 else None,
             "F" if index % 3 else None, None, f"h{index}", moment, moment) for index, name in enumerate(awkward)]
    copy_rows(session, table="source_records", columns=columns, rows=rows[:3])
    copy_rows_at_once(session, table="source_records", columns=columns, rows=rows[3:])
    copy_rows_at_once(session, table="source_records", columns=columns, rows=[])
    session.expire_all()
    stored = session.scalars(select(SourceRecord).where(SourceRecord.id >= 900_000).order_by(SourceRecord.id)).all()
    assert [(r.id, r.agency_person_id, r.first_name, r.dob, r.sex, r.content_hash, r.first_seen_at.replace(tzinfo=UTC))
            for r in stored] == [(row[0], row[2], row[3], row[4], row[5], row[7], moment) for row in rows]


def test_event_hash_is_the_models_json_and_payload() -> None:
    # Stored hashes must not change: the fast serializer gives exactly model_dump_json's bytes.
    for kind in KINDS:
        for extra in ({}, {"note": "ünïcode \u2028 \"quoted\"", "place": "Park", "incident_ref": "INC-1"},
                      {"occurred_at": datetime(2024, 6, 1, 12, 30)}):
            item = event(kind, agency_key="K1", person=person(agency_person_id="P1", first_name="Zoë"),
                         payload=SAMPLE_PAYLOADS[kind], **extra)
            payload_json = records.normalised_payload(item)[1]
            body = item.model_dump_json(exclude=records.HASH_EXCLUDE) + payload_json
            assert records.event_hash(item, payload_json) == hashlib.sha256(body.encode()).hexdigest()


def test_select_by_keys_finds_awkward_keys(session: Session) -> None:
    keys = ["plain", "it's", 'quo"te', "com,ma", "{brace}", "back\\slash", "ünïcode", "sp ace"]
    for number, key in enumerate(keys):
        session.add(SourceRecord(agency_id=_agency(session), agency_person_id=key, content_hash=str(number),
                                 first_seen_at=datetime.now(UTC), updated_at=datetime.now(UTC)))
    session.flush()
    query = select_by_keys(session, [SourceRecord.agency_person_id], SourceRecord.agency_person_id,
                           [*keys[::2], "absent"], SourceRecord.agency_id == _agency(session))
    assert sorted(row.agency_person_id for row in session.execute(query)) == sorted(keys[::2])


def _agency(session: Session) -> int:
    """The id of a test agency."""
    from reachable.areas import service as areas

    return areas.ensure_agency(session, code="POL-E23000014").id


def test_background_hands_on_results_and_errors_in_order() -> None:
    got: list[int] = []
    with Background() as writer:
        for n in range(5):
            writer.submit(lambda n: n * n, (n,), then=got.append)
    assert got == [0, 1, 4, 9, 16]

    def fail(n: int) -> int:
        raise ValueError(f"chunk {n}")

    with pytest.raises(ValueError, match="chunk 1"), Background() as writer:
        writer.submit(fail, (1,), then=got.append)
        writer.submit(fail, (2,), then=got.append)  # waits for chunk 1 first, and raises its error
    with pytest.raises(ValueError, match="chunk 3"), Background(threaded=False) as writer:
        writer.submit(fail, (3,), then=got.append)
