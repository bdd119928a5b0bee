"""The acceptance scenario: a looked-after child of council A placed in B, arrested in force C's area."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reachable.records.kinds import EventKind
from tests.rules.helpers import (
    BIRMINGHAM,
    LIVERPOOL,
    MERSEYSIDE,
    SHROPSHIRE,
    WEST_MIDLANDS,
    ago,
    child_event,
    firings,
    ingest,
    owner_codes,
    tasks,
)

CSC_A, POL_A, POL_C = f"CSC-{BIRMINGHAM}", f"POL-{WEST_MIDLANDS}", f"POL-{MERSEYSIDE}"


def _looked_after_in_b(session: Session) -> None:
    """Birmingham (A) looks after the child and places them in Shropshire (B)."""
    ingest(session,
           child_event(EventKind.LOOKED_AFTER_START, key="lac-1", at=ago(60), agency=CSC_A, area=BIRMINGHAM,
                       pid="B-77", payload={"legal_status": "C2"}),
           child_event(EventKind.PLACEMENT_CHANGE, key="pl-1", at=ago(59), agency=CSC_A, area=SHROPSHIRE, pid="B-77",
                       payload={"placement_area_code": SHROPSHIRE, "in_area": False, "distance_miles": 48}))


def _arrest(agency: str, key: str, pid: str, **extra: object) -> object:
    """The arrest in Liverpool (force C) with class A drugs; the police record gives the placement as home."""
    return child_event(EventKind.ARREST, key=key, at=ago(hours=3), agency=agency, area=LIVERPOOL, pid=pid,
                       home=SHROPSHIRE, payload={"offence_category": "pwits_class_a", "offence_text": "PWITS crack"},
                       place="Liverpool Lime Street", **extra)


def test_arrest_far_from_placement_reaches_the_placing_council_and_force_c(session: Session) -> None:
    _looked_after_in_b(session)
    ingest(session, _arrest(POL_C, "MP-ARR-1", "MP-9", incident_ref="MP/2026/1"))

    s47 = tasks(session, "cp.drugs-weapons", kind="task")
    assert owner_codes(session, s47) == [CSC_A]
    assert "s47" in s47[0].title and s47[0].owner_area_code == BIRMINGHAM
    notices = tasks(session, "cross-border.notice", kind="notice")
    assert owner_codes(session, notices) == [CSC_A, POL_A]
    assert "Merseyside Police" in (notices[0].detail or "") and "Lime Street" in (notices[0].detail or "")
    assert tasks(session, "cp.drugs-weapons", kind="notice") == []  # the cross-border notice is the one notice
    nrm = tasks(session, "nrm.consideration")
    assert owner_codes(session, nrm) == [CSC_A, POL_C]
    nrm_c = next(t for t in nrm if t.owner_role == "nrm_first_responder")
    assert nrm_c.owner_area_code == MERSEYSIDE
    firing = firings(session, "cp.drugs-weapons")[0]
    assert firing.jurisdiction == "England" and firing.facts["looked_after"] is True
    assert "offence_category" in firing.reason and firing.rule_version == "1.0"


def test_same_arrest_through_another_agency_creates_no_duplicate(session: Session) -> None:
    _looked_after_in_b(session)
    ingest(session, _arrest(POL_C, "MP-ARR-1", "MP-9", incident_ref="MP/2026/1"))
    before = len(tasks(session))
    # The youth justice service's extract reports the same arrest, with its own key and no police reference.
    ingest(session, _arrest(f"YJS-{BIRMINGHAM}", "YJ-555", "YJ-1"))
    ingest(session, _arrest(POL_C, "MP-ARR-1", "MP-9", incident_ref="MP/2026/1"))  # and a replay
    assert len(tasks(session)) == before
    firing = firings(session, "cp.drugs-weapons")
    assert len(firing) == 1 and len(firing[0].evidence_event_ids["ids"]) == 2
