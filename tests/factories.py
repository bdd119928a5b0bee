"""Builders for valid canonical events, so tests state only what matters to them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from reachable.records.kinds import EventKind
from reachable.records.schemas import EventIn, PersonIn

SAMPLE_PAYLOADS: dict[EventKind, dict[str, Any]] = {
    EventKind.MISSING_REPORTED: {"missing_type": "M", "from_care": True, "risk_level": "medium", "episode_ref": "E1"},
    EventKind.MISSING_FOUND: {"episode_ref": "E1", "found_location": "Shrewsbury railway station",
                              "found_area_code": "E06000051", "found_outside_home_area": True},
    EventKind.RETURN_INTERVIEW_OFFERED: {"episode_ref": "E1", "provider": "The Children's Society"},
    EventKind.RETURN_INTERVIEW_ACCEPTED: {"episode_ref": "E1", "accepted": True},
    EventKind.STOP_SEARCH: {"grounds": "drugs", "items_found": ["drugs", "cash"]},
    EventKind.ARREST: {"offence_category": "pwits_class_a", "offence_text": "PWITS heroin", "outcome": "released"},
    EventKind.CUSTODY: {"custody_suite": "Oldbury", "appropriate_adult": True},
    EventKind.SCHOOL_EXCLUSION: {"exclusion_type": "permanent", "reason": "PA"},
    EventKind.PART_TIME_TIMETABLE: {"hours_per_week": 10},
    EventKind.REFERRAL: {"referral_source": "6", "primary_need": "N1"},
    EventKind.ASSESSMENT_COMPLETED: {"factors": ["24A", "10A"], "assessment_type": "s17"},
    EventKind.CIN_PLAN_START: {},
    EventKind.CIN_PLAN_END: {"reason": "RC8"},
    EventKind.CP_PLAN_START: {"category_of_abuse": "NEG"},
    EventKind.CP_PLAN_END: {},
    EventKind.LOOKED_AFTER_START: {"legal_status": "V2"},
    EventKind.LOOKED_AFTER_END: {"reason": "E4A"},
    EventKind.PLACEMENT_CHANGE: {"placement_type": "K2", "provider": "PR4", "placement_area_code": "E06000051",
                                 "in_area": False, "distance_miles": 48.2},
    EventKind.NRM_REFERRAL: {"referral_ref": "NRM-1", "first_responder": "CSC-E08000025",
                             "exploitation_types": ["criminal"], "county_lines": True},
    EventKind.NRM_RG_DECISION: {"referral_ref": "NRM-1", "outcome": "positive", "decided_on": "2025-03-10"},
    EventKind.NRM_CG_DECISION: {"referral_ref": "NRM-1", "outcome": "negative", "decided_on": "2025-12-01"},
    EventKind.INTELLIGENCE_REPORT: {"association": "deal_line", "subject_key": "07700900123",
                                    "subject_label": "'Bando' line", "grading": "B2"},
    EventKind.HEALTH_ATTENDANCE: {"injury_type": "stab_wound", "setting": "A&E"},
    EventKind.YOUTH_JUSTICE_INTERVENTION: {"intervention": "referral_order"},
    EventKind.CONCERN_RAISED: {"categories": ["unexplained_money", "new_phones"], "detail": "two new phones"},
}


def person(**overrides: Any) -> PersonIn:
    """A child as an agency might record them."""
    values: dict[str, Any] = {
        "agency_person_id": "P1", "first_name": "Jayden", "last_name": "Smith", "dob": date(2009, 4, 3),
        "sex": "M", "postcode": "b15 2tt", "home_area_code": "E08000025",
    }
    values.update(overrides)
    return PersonIn(**values)


def event(kind: EventKind = EventKind.ARREST, **overrides: Any) -> EventIn:
    """A valid event of a kind, with a sample payload unless one is given."""
    values: dict[str, Any] = {
        "agency": "POL-E23000014", "agency_key": f"{kind.value}-1", "kind": kind,
        "occurred_at": datetime(2025, 3, 3, 2, 15, tzinfo=UTC), "area_code": "E08000025",
        "person": person(), "payload": SAMPLE_PAYLOADS[kind],
    }
    values.update(overrides)
    return EventIn(**values)
