"""The exact-rule linkage used at ingest: identifiers and exact name with date of birth."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.identity import service as identity
from reachable.records.kinds import EventKind
from tests.factories import event, person


def test_records_sharing_an_identifier_are_one_child(session: Session) -> None:
    police = event(EventKind.ARREST, person=person(agency_person_id="P9", upn="A123456789012"))
    school = event(EventKind.SCHOOL_EXCLUSION, agency="EDU-E08000025", agency_key="X1",
                   person=person(agency_person_id="S1", first_name="Jay", upn="A123456789012"))
    a = pipeline.ingest(session, events=[police], actor=access.SYSTEM)
    b = pipeline.ingest(session, events=[school], actor=access.SYSTEM)
    assert a.child_ids == b.child_ids
    links = identity.list_links(session, child_id=a.child_ids[0])
    assert "same upn" in links[1].reason
    assert len(identity.chronology(session, child_id=a.child_ids[0])) == 2


def test_different_people_stay_apart(session: Session) -> None:
    a = pipeline.ingest(session, events=[event(EventKind.ARREST)], actor=access.SYSTEM)
    other = person(agency_person_id="P2", first_name="Kai", dob=date(2010, 1, 1))
    b = pipeline.ingest(session, events=[event(EventKind.ARREST, agency_key="k2", person=other)], actor=access.SYSTEM)
    assert a.child_ids != b.child_ids
    assert identity.list_links(session, child_id=b.child_ids[0])[0].decision == "new_child"
