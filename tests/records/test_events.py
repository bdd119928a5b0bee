"""Events round-trip through the store on every database; bad input is refused whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.common.errors import InputRejected
from reachable.identity import service as identity
from reachable.records.kinds import EventKind
from reachable.records.models import Event, SourceRecord
from tests.factories import SAMPLE_PAYLOADS, event, person


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_round_trips(session: Session, kind: EventKind) -> None:
    outcome = pipeline.ingest(session, events=[event(kind)], actor=access.SYSTEM)
    session.commit()
    [child_id] = outcome.child_ids
    [stored] = identity.chronology(session, child_id=child_id)
    assert stored.kind == kind.value
    assert stored.agency_code == "POL-E23000014"
    assert stored.occurred_at == datetime(2025, 3, 3, 2, 15, tzinfo=UTC)
    sent = SAMPLE_PAYLOADS[kind]
    assert {key: stored.payload[key] for key in sent} == sent  # everything sent comes back unchanged
    assert stored.person_role == "child_at_risk"


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLE_PAYLOADS) == set(EventKind)


def test_victim_is_never_a_suspect_by_default(session: Session) -> None:
    outcome = pipeline.ingest(session, events=[event(EventKind.ARREST)], actor=access.SYSTEM)
    assert identity.chronology(session, child_id=outcome.child_ids[0])[0].person_role == "child_at_risk"


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (event(EventKind.ARREST, payload={"offence_category": "jaywalking"}), "payload.offence_category",
         "Input should be"),
        (event(EventKind.STOP_SEARCH, payload={"grounds": "drugs", "colour": "red"}), "payload.colour", "Extra inputs"),
        (event(EventKind.ARREST, area_code="E99999999"), "area_code", "unknown area code"),
        (event(EventKind.ARREST, person=person(home_area_code="X1")), "person.home_area_code", "unknown area code"),
        (event(EventKind.ARREST, person=person(dob=date(2099, 1, 1))), "person.dob", "in the future"),
        (event(EventKind.ARREST, person=person(dob=date(1980, 1, 1))), "person.dob", "outside 0–25"),
        (event(EventKind.ARREST, occurred_at=datetime(2008, 1, 1, tzinfo=UTC)), "person.dob",
         "before this date of birth"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    session: Session, bad: object, field: str, reason: str
) -> None:
    good = event(EventKind.MISSING_REPORTED)
    with pytest.raises(InputRejected) as refused:
        pipeline.ingest(session, events=[good, bad], actor=access.SYSTEM)  # type: ignore[list-item]
    session.rollback()
    [error] = refused.value.errors
    assert error.field == field
    assert reason in error.reason
    assert error.line == 1  # the second event of the batch
    assert _count(session, Event) == 0
    assert _count(session, SourceRecord) == 0


def test_every_error_is_listed_not_only_the_first(session: Session) -> None:
    bad = [event(EventKind.ARREST, area_code="E99999999", agency_key=str(i)) for i in range(3)]
    with pytest.raises(InputRejected) as refused:
        pipeline.ingest(session, events=bad, actor=access.SYSTEM)
    assert [e.line for e in refused.value.errors] == [0, 1, 2]


def test_repeat_is_a_no_op_and_correction_is_a_new_version(session: Session) -> None:
    first = pipeline.ingest(session, events=[event(EventKind.ARREST)], actor=access.SYSTEM)
    again = pipeline.ingest(session, events=[event(EventKind.ARREST)], actor=access.SYSTEM)
    assert (first.stored.created, again.stored.created, again.stored.unchanged) == (1, 0, 1)
    corrected = event(EventKind.ARREST, payload={"offence_category": "possession_class_a"})
    fixed = pipeline.ingest(session, events=[corrected], actor=access.SYSTEM)
    assert fixed.stored.new_versions == 1
    assert _count(session, Event) == 2
    [current] = identity.chronology(session, child_id=first.child_ids[0])
    assert current.version == 2
    assert current.payload["offence_category"] == "possession_class_a"


def test_naive_times_are_uk_local(session: Session) -> None:
    summer = event(EventKind.ARREST, occurred_at=datetime(2025, 7, 1, 12, 0))
    outcome = pipeline.ingest(session, events=[summer], actor=access.SYSTEM)
    [stored] = identity.chronology(session, child_id=outcome.child_ids[0])
    assert stored.occurred_at == datetime(2025, 7, 1, 11, 0, tzinfo=UTC)  # BST is UTC+1


def test_later_stages_see_the_same_events_whether_read_back_or_held(session: Session) -> None:
    from reachable.records import service as records

    first = records.store_events(session, events=[event(EventKind.ARREST)])
    stored = records.store_events(session, events=[
        event(EventKind.ARREST), event(EventKind.MISSING_REPORTED, agency_key="m-1"),
        event(EventKind.ARREST, agency_key="a-2", person=person(agency_person_id="P2", first_name="Amir"))])
    assert stored.unchanged == 1 and stored.created == 2 and stored.event_ids[0] == first.event_ids[0]
    kinds = ["arrest"]
    held = records.events_of_kinds(session, event_ids=stored.event_ids, kinds=kinds, stored=stored)
    read = records.events_of_kinds(session, event_ids=stored.event_ids, kinds=kinds)
    assert [e.id for e in held] == [e.id for e in read] and len(read) == 2
    assert records.stored_record_ids(session, stored=stored) == records.source_record_ids_of(
        session, event_ids=stored.event_ids)
    assert "_rows" not in stored.model_dump()  # the held rows never reach an API reply
