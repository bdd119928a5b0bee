"""A small scenario world for network tests: children, an adult, a deal line, places and a school."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.network import service as network
from reachable.records.kinds import EventKind
from reachable.records.schemas import EventIn
from tests.factories import event, person

POLICE = "POL-E23000014"
COUNCIL = "CSC-E08000025"


def at(day: int, month: int = 3, year: int = 2025) -> datetime:
    """A moment in the scenario."""
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def child(n: int, **extra: Any) -> Any:
    """Child n as the police know them."""
    return person(agency_person_id=f"C{n}", first_name=f"Child{n}", last_name="Test", dob=date(2009, 1, n),
                  police_person_id=f"WM{n:08d}", **extra)


def ev(kind: EventKind, key: str, who: Any, when: datetime, payload: dict[str, Any] | None = None,
       **extra: Any) -> EventIn:
    """An event with a chosen key, person, time and payload."""
    values: dict[str, Any] = {"agency_key": key, "person": who, "occurred_at": when}
    if payload is not None:
        values["payload"] = payload
    values.update(extra)
    return event(kind, **values)


def intel(key: str, who: Any, when: datetime, association: str, subject: str, label: str | None = None,
          grading: str | None = "2/B/P", place_type: str | None = None, agency: str = POLICE) -> EventIn:
    """A police intelligence report about a child."""
    payload = {"association": association, "subject_key": subject, "grading": grading}
    if label:
        payload["subject_label"] = label
    if place_type:
        payload["place_type"] = place_type
    return ev(EventKind.INTELLIGENCE_REPORT, key, who, when, payload, agency=agency)


def scenario_events() -> list[EventIn]:
    """The scenario: child 1 is linked by intelligence to the 'Bando' line and adult A1; children 1 and 2
    are arrested together (with adult A1); children 2 and 3 are found at the same address; children 3 and 4
    share a school; child 5 is unconnected."""
    adult = person(agency_person_id="A1", first_name="Adult", last_name="One", dob=date(2003, 5, 5),
                   police_person_id="WM90000001")
    arrest = {"offence_category": "pwits_class_a"}
    found = {"found_location": "Flat 3, 12 Hope Street"}
    return [
        intel("INT-1", child(1), at(1), "deal_line", "07700 900123", "'Bando' line"),
        intel("INT-2", child(1), at(2), "adult", "WM90000001", "Adult ONE", grading="1/A/P"),
        ev(EventKind.ARREST, "ARR-1", child(1), at(5), arrest, incident_ref="INC-9", postcode="B15 2TT"),
        ev(EventKind.ARREST, "ARR-2", child(2), at(5), arrest, incident_ref="INC-9", postcode="B15 2TT",
           role="suspect"),
        ev(EventKind.ARREST, "ARR-3", adult, at(5), arrest, incident_ref="INC-9", postcode="B15 2TT",
           role="suspect"),
        ev(EventKind.MISSING_FOUND, "MF-2", child(2), at(10), found, postcode="SY1 1AA"),
        ev(EventKind.MISSING_FOUND, "MF-3", child(3), at(12), found, postcode="SY1 1AA"),
        ev(EventKind.SCHOOL_EXCLUSION, "EX-3", child(3), at(20),
           {"exclusion_type": "permanent", "school_urn": "100001"}, agency="EDU-E08000025"),
        ev(EventKind.PART_TIME_TIMETABLE, "PT-4", child(4), at(21), {"hours_per_week": 10, "school_urn": "100001"},
           agency="EDU-E08000025"),
        ev(EventKind.REFERRAL, "REF-5", child(5), at(3), agency=COUNCIL),
    ]


@pytest.fixture
def world(session: Session) -> Session:
    """The scenario ingested through the pipeline (so the network stage builds it), committed."""
    pipeline.ingest(session, events=scenario_events(), actor=access.SYSTEM)
    session.commit()
    return session


@pytest.fixture
def police(world: Session) -> network.Viewer:
    """A police analyst's view."""
    return network.viewer_for_agency(world, name="analyst-pol", agency_code=POLICE)


@pytest.fixture
def council(world: Session) -> network.Viewer:
    """A children's services analyst's view."""
    return network.viewer_for_agency(world, name="analyst-csc", agency_code=COUNCIL)
