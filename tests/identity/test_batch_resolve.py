"""Resolving a whole chunk of records at once decides exactly as resolving them one by one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.identity import service as identity
from reachable.records import service as records
from reachable.records.kinds import EventKind
from reachable.records.models import SourceRecord
from tests.factories import event, person

PEOPLE = [
    person(agency_person_id="A1", first_name="Jayden", last_name="Smith", upn="A123456789012"),
    person(agency_person_id="A2", first_name="JAYDEN", last_name="smith"),  # same name and dob, other case
    person(agency_person_id="A3", first_name="Kai", last_name="Jones", dob=date(2010, 1, 1), upn="A123456789012"),
    person(agency_person_id="A4", first_name="Zoë", last_name="Núñez", dob=date(2011, 2, 2)),
    person(agency_person_id="A5", first_name="Zoë", last_name="Núñez", dob=date(2011, 2, 2), sex="F"),
    person(agency_person_id="A6", first_name="Ali", last_name="Khan", dob=date(2012, 3, 3), nhs_number="9434765919"),
    person(agency_person_id="A7", first_name="Ali", last_name="Khan", dob=date(2012, 3, 4)),  # dob differs
    person(agency_person_id="A8", first_name=None, last_name=None, dob=None),  # unusable: held unlinked
]


def _events() -> list:  # type: ignore[type-arg]
    """One arrest per person, all in one batch."""
    return [event(EventKind.ARREST, agency_key=f"k{index}", person=who) for index, who in enumerate(PEOPLE)]


def test_candidates_match_the_per_record_query(session: Session) -> None:
    pipeline.ingest(session, events=_events(), actor=access.SYSTEM, stages=[])
    stored = list(session.scalars(select(SourceRecord).order_by(SourceRecord.id)))
    candidates = records.MatchCandidates(session, records=stored, identifiers=identity.IDENTIFIERS)
    for record in stored:
        expected = records.find_matching_records(session, record=record, identifiers=identity.IDENTIFIERS)
        assert [other.id for other in candidates.matches(record)] == [other.id for other in expected], record.id


def test_a_chunk_links_to_children_created_earlier_in_the_same_chunk(session: Session) -> None:
    outcome = pipeline.ingest(session, events=_events(), actor=access.SYSTEM, stages=[pipeline.link_stage])
    child = dict(zip((who.agency_person_id for who in PEOPLE), outcome.child_ids, strict=True))
    assert child["A1"] == child["A2"] == child["A3"]  # name+dob, then the shared UPN
    assert child["A4"] == child["A5"] != child["A1"]
    assert len({child["A6"], child["A7"], child["A8"], child["A1"]}) == 4
    decisions = {link.source_record_id: (link.decision, link.reason, link.match_probability)
                 for kid in set(outcome.child_ids) for link in identity.list_links(session, child_id=kid)}
    by_person = {record.agency_person_id: record.id for record in session.scalars(select(SourceRecord))}
    assert decisions[by_person["A1"]] == (
        "new_child", "no existing child shares an identifier or exact name and date of birth", None)
    assert decisions[by_person["A2"]] == (
        "auto_link", f"same first name, last name and date of birth as record {by_person['A1']}", 1.0)
    assert decisions[by_person["A3"]] == ("auto_link", f"same upn as record {by_person['A1']}", 1.0)
    assert decisions[by_person["A8"]][0] == "held_unlinked"


def test_batch_and_one_by_one_agree(session: Session) -> None:
    """The same people arriving one by one (each a chunk of one) end up in the same groups with the same reasons."""
    outcomes = [pipeline.ingest(session, events=[item], actor=access.SYSTEM, stages=[pipeline.link_stage])
                for item in _events()]
    child = [outcome.child_ids[0] for outcome in outcomes]
    assert child[0] == child[1] == child[2] and child[3] == child[4]
    assert len({child[0], child[3], child[5], child[6], child[7]}) == 5
    assert identity.resolve_records(session, record_ids=[]) == {}
